package dev.stepwise.engine.tokenizer;

import dev.stepwise.engine.ModelPackException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-level BPE with an end-of-word suffix, as CLIP uses it (transformers
 * models/clip/tokenization_clip.py {@code bpe()}): a word's UTF-8 bytes become table symbols
 * ({@link ByteUnicode}), the last symbol carries {@code </w>}, and adjacent pairs are merged, the
 * lowest merge rank first and the leftmost occurrence first among equal ranks, until no pair has a
 * rank.
 *
 * <p>Symbols are held as vocabulary ids, so every merge's parts and result must be in the
 * vocabulary (checked when the model is built). Merging uses a heap of candidate pairs over a
 * linked list of symbols, O(n log n) per word instead of the reference's O(n^2); the result equals
 * the reference's repeated "merge every occurrence of the best pair" whenever each merge's result
 * ranks before the merges that use it, which holds for BPE files produced by training (CLIP's
 * included; {@code BpeModelTwinTest} checks it against a naive twin). Results are cached per word.
 * Instances are immutable apart from the thread-safe cache.
 */
final class BpeModel {
  static final String END_OF_WORD = "</w>";

  private static final int CACHE_LIMIT = 20_000;
  private static final int CACHE_MAX_WORD = 256;
  private static final long NO_MERGE = -1L;

  private final Map<String, Integer> vocab;
  private final Map<Integer, String> tokens;
  private final int vocabularySize;
  private final int[] byteIds = new int[256];
  private final int[] byteEndIds = new int[256];

  /** (leftId << 32 | rightId) -> (rank << 32 | mergedId). */
  private final Map<Long, Long> merges;

  private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

  /**
   * Builds the model.
   *
   * @param vocab token string to id
   * @param vocabularySize one more than the largest id the model may produce
   * @param mergePairs the merges in rank order, each {@code {left, right}}; when a pair repeats,
   *     the later rank wins (as Python's dict construction in the reference)
   * @param origin the file(s) the data came from, for messages
   */
  BpeModel(
      Map<String, Integer> vocab, int vocabularySize, List<String[]> mergePairs, String origin) {
    this.vocab = Map.copyOf(vocab);
    this.vocabularySize = vocabularySize;
    Map<Integer, String> inverse = new HashMap<>();
    vocab.forEach((token, id) -> inverse.merge(id, token, (a, b) -> a));
    this.tokens = Map.copyOf(inverse);
    for (int b = 0; b < 256; b++) {
      String symbol = String.valueOf(ByteUnicode.charOf(b));
      byteIds[b] = requireToken(symbol, origin);
      byteEndIds[b] = requireToken(symbol + END_OF_WORD, origin);
    }
    Map<Long, Long> table = new HashMap<>(mergePairs.size() * 2);
    for (int rank = 0; rank < mergePairs.size(); rank++) {
      String[] pair = mergePairs.get(rank);
      Integer left = vocab.get(pair[0]);
      Integer right = vocab.get(pair[1]);
      Integer merged = vocab.get(pair[0] + pair[1]);
      if (left == null || right == null || merged == null) {
        throw new ModelPackException(
            "Merge number "
                + (rank + 1)
                + " (\""
                + pair[0]
                + " "
                + pair[1]
                + "\") in "
                + origin
                + " uses or makes a token the vocabulary lacks; every merge part and result must be"
                + " in the vocabulary.");
      }
      table.put(pairKey(left, right), ((long) rank << 32) | merged);
    }
    this.merges = table;
  }

  private int requireToken(String token, String origin) {
    Integer id = vocab.get(token);
    if (id == null) {
      throw new ModelPackException(
          "The vocabulary of "
              + origin
              + " lacks the byte symbol \""
              + token
              + "\"; a byte-level BPE vocabulary needs all 256 byte symbols, with and without"
              + " </w>.");
    }
    return id;
  }

  /** The id of {@code token}, or null when the vocabulary lacks it. */
  Integer id(String token) {
    return vocab.get(token);
  }

  /** The token with id {@code id}, or null when no token has it. */
  String token(int id) {
    return tokens.get(id);
  }

  /** One more than the largest id the model can produce. */
  int vocabularySize() {
    return vocabularySize;
  }

  /** Every (token, id) entry, unmodifiable. */
  Map<String, Integer> vocabulary() {
    return vocab;
  }

  /**
   * The ids of one pre-tokenized word (no spaces inside), cached; the array must not be changed.
   */
  int[] encodeWord(String word) {
    int[] cached = cache.get(word);
    if (cached != null) {
      return cached;
    }
    int[] ids = merge(word.getBytes(StandardCharsets.UTF_8));
    if (word.length() <= CACHE_MAX_WORD) {
      if (cache.size() >= CACHE_LIMIT) {
        cache.clear();
      }
      cache.put(word, ids);
    }
    return ids;
  }

  private int[] merge(byte[] utf8) {
    int n = utf8.length;
    if (n == 0) {
      return new int[0];
    }
    int[] sym = new int[n];
    int[] next = new int[n];
    int[] prev = new int[n];
    for (int i = 0; i < n; i++) {
      sym[i] = i == n - 1 ? byteEndIds[utf8[i] & 0xFF] : byteIds[utf8[i] & 0xFF];
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    LongHeap heap = new LongHeap(n);
    for (int i = 0; i + 1 < n; i++) {
      offer(heap, sym, i, sym[i + 1]);
    }
    int alive = n;
    while (!heap.isEmpty()) {
      long top = heap.poll();
      int rank = (int) (top >>> 32);
      int i = (int) top;
      int j = next[i];
      if (sym[i] < 0 || j < 0) {
        continue;
      }
      long entry = lookup(sym[i], sym[j]);
      if (entry == NO_MERGE || (int) (entry >>> 32) != rank) {
        continue; // stale: the pair at i changed since it was queued
      }
      sym[i] = (int) entry;
      sym[j] = -1;
      int k = next[j];
      next[i] = k;
      if (k >= 0) {
        prev[k] = i;
        offer(heap, sym, i, sym[k]);
      }
      if (prev[i] >= 0) {
        offer(heap, sym, prev[i], sym[i]);
      }
      alive--;
    }
    int[] out = new int[alive];
    int w = 0;
    for (int i = 0; i >= 0; i = next[i]) {
      out[w++] = sym[i];
    }
    return out;
  }

  private void offer(LongHeap heap, int[] sym, int i, int rightId) {
    long entry = lookup(sym[i], rightId);
    if (entry != NO_MERGE) {
      heap.add((entry & 0xFFFF_FFFF_0000_0000L) | i);
    }
  }

  private long lookup(int left, int right) {
    Long entry = merges.get(pairKey(left, right));
    return entry == null ? NO_MERGE : entry;
  }

  private static long pairKey(int left, int right) {
    return ((long) left << 32) | (right & 0xFFFF_FFFFL);
  }

  /** A binary min-heap of longs (rank in the high half, position in the low half). */
  private static final class LongHeap {
    private long[] items;
    private int size;

    LongHeap(int capacity) {
      items = new long[Math.max(4, capacity)];
    }

    boolean isEmpty() {
      return size == 0;
    }

    void add(long value) {
      if (size == items.length) {
        items = Arrays.copyOf(items, size * 2);
      }
      int i = size++;
      while (i > 0) {
        int parent = (i - 1) >>> 1;
        if (items[parent] <= value) {
          break;
        }
        items[i] = items[parent];
        i = parent;
      }
      items[i] = value;
    }

    long poll() {
      long top = items[0];
      long last = items[--size];
      int i = 0;
      while (true) {
        int child = 2 * i + 1;
        if (child >= size) {
          break;
        }
        if (child + 1 < size && items[child + 1] < items[child]) {
          child++;
        }
        if (last <= items[child]) {
          break;
        }
        items[i] = items[child];
        i = child;
      }
      items[i] = last;
      return top;
    }
  }
}
