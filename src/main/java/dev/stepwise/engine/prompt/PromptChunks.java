package dev.stepwise.engine.prompt;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.tokenizer.PromptPiece;
import dev.stepwise.engine.tokenizer.PromptTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A parsed prompt laid out in text-encoder windows, every id with its emphasis weight.
 *
 * <p>On a CLIP-sized window (77 ids: 75 content tokens between BOS and EOS) the runs go into chunks
 * as AUTOMATIC1111's {@code FrozenCLIPEmbedderWithCustomWordsBase.tokenize_line}
 * (modules/sd_hijack_clip.py) does: each run is tokenized on its own, its weight given to each of
 * its tokens; a chunk holds 75 tokens; a {@link PromptAttention.Run#isBreak() BREAK} closes the
 * current chunk (even an empty one) and pads it; when a chunk is full and its last comma lies at
 * most {@link #COMMA_BACKTRACK} tokens back, the tokens after that comma move to the next chunk
 * ({@code comma_padding_backtrack}, default 20); a last chunk is added when it holds tokens or when
 * there is no chunk yet. Each chunk is a window as the tokenizer lays it out (BOS, content, EOS,
 * padding) with weight 1 on every special and padding position.
 *
 * <p>On a shorter window (the built-in pack's 20 tokens) there is one window: the weighted tokens
 * in order, cut at the window's content capacity ({@link #truncatedTokens()} says how many were
 * left out); BREAK markers are skipped ({@link #breaksIgnored()}).
 *
 * @param windows the ids of each window, each {@link PromptTokenizer#maxLength()} long
 * @param weights the weight of each id, float32 as A1111's {@code torch.asarray(multipliers)}
 * @param truncatedTokens content tokens left out (single window only; 0 when chunked)
 * @param firstCutRun the text of the run where the cut started, or "" when nothing was cut
 * @param breaksIgnored BREAK markers that had no effect (single window only)
 * @param unknownWords words the vocabulary lacks, each once, in order of first appearance
 * @param fixes per window, the textual-inversion embeddings placed in it and where (A1111's {@code
 *     PromptChunk.fixes}): an embedding's n vectors fill n positions (id 0 stands there, as in
 *     A1111), weighted like the text around them, and count toward the 75-token chunk
 */
public record PromptChunks(
    List<int[]> windows,
    List<float[]> weights,
    int truncatedTokens,
    String firstCutRun,
    int breaksIgnored,
    List<String> unknownWords,
    List<List<Fix>> fixes) {

  /** An embedding whose vectors start at {@code position} of its window. */
  public record Fix(int position, Embedding embedding) {}

  /** The window A1111's chunking is made for: 75 content tokens plus BOS and EOS. */
  public static final int CLIP_WINDOW = 77;

  /** Content tokens per chunk (sd_hijack_clip.py {@code chunk_length}). */
  public static final int CHUNK_LENGTH = 75;

  /** A1111's default {@code comma_padding_backtrack} (modules/shared_options.py). */
  public static final int COMMA_BACKTRACK = 20;

  /** Copies the lists. */
  public PromptChunks {
    windows = List.copyOf(windows);
    weights = List.copyOf(weights);
    unknownWords = List.copyOf(unknownWords);
    fixes = fixes == null ? List.of() : fixes.stream().map(List::copyOf).toList();
  }

  /** Chunks without embeddings. */
  public PromptChunks(
      List<int[]> windows,
      List<float[]> weights,
      int truncatedTokens,
      String firstCutRun,
      int breaksIgnored,
      List<String> unknownWords) {
    this(windows, weights, truncatedTokens, firstCutRun, breaksIgnored, unknownWords, null);
  }

  /** The embeddings placed in window {@code i}. */
  public List<Fix> fixesOf(int i) {
    return i < fixes.size() ? fixes.get(i) : List.of();
  }

  /** Whether {@code tokenizer}'s window is chunked the A1111 way (a 77-id CLIP window). */
  public static boolean chunked(PromptTokenizer tokenizer) {
    return tokenizer.maxLength() == CLIP_WINDOW && tokenizer.contentCapacity() == CHUNK_LENGTH;
  }

  /** Lays out {@code runs} for {@code tokenizer}, with A1111's default comma backtrack. */
  public static PromptChunks of(PromptTokenizer tokenizer, List<PromptAttention.Run> runs) {
    return of(tokenizer, runs, COMMA_BACKTRACK);
  }

  /** As {@link #of(PromptTokenizer, List)} with another comma backtrack (0 turns it off). */
  public static PromptChunks of(
      PromptTokenizer tokenizer, List<PromptAttention.Run> runs, int commaBacktrack) {
    return of(tokenizer, runs, commaBacktrack, Embeddings.none());
  }

  /**
   * As {@link #of(PromptTokenizer, List, int)}, with the names of {@code embeddings} in the runs'
   * text laid out as A1111's {@code tokenize_line} lays out an embedding: when its vectors do not
   * fit the rest of the chunk, the chunk is closed first.
   */
  public static PromptChunks of(
      PromptTokenizer tokenizer,
      List<PromptAttention.Run> runs,
      int commaBacktrack,
      Embeddings embeddings) {
    if (runs.isEmpty()) {
      throw new EngineException("A parsed prompt has at least one run.");
    }
    Builder b = new Builder(tokenizer, chunked(tokenizer), commaBacktrack, embeddings);
    for (PromptAttention.Run run : runs) {
      b.add(run);
    }
    return b.finish();
  }

  /**
   * The words of {@code prompt} that {@code tokenizer}'s vocabulary lacks, read as the engine reads
   * the prompt (emphasis brackets, weights and BREAK are syntax, not words), each once in order of
   * first appearance; a prompt the parser refuses is read as plain text.
   */
  public static List<String> unknownWords(PromptTokenizer tokenizer, String prompt) {
    List<PromptAttention.Run> runs;
    try {
      runs = PromptAttention.parse(prompt);
    } catch (EngineException e) {
      runs = List.of(new PromptAttention.Run(prompt, 1.0));
    }
    Set<String> words = new LinkedHashSet<>();
    for (PromptAttention.Run run : runs) {
      if (!run.isBreak()) {
        words.addAll(tokenizer.tokenizePiece(run.text()).unknownWords());
      }
    }
    return List.copyOf(words);
  }

  /** Whether every weight is exactly 1 (the conditioning is the encoder's output unchanged). */
  public boolean unweighted() {
    for (float[] w : weights) {
      for (float x : w) {
        if (x != 1f) {
          return false;
        }
      }
    }
    return true;
  }

  /** The state of {@code tokenize_line} while runs are added. */
  private static final class Builder {
    private final PromptTokenizer tokenizer;
    private final boolean chunked;
    private final int backtrack;
    private final int capacity;
    private final List<int[]> windows = new ArrayList<>();
    private final List<float[]> weights = new ArrayList<>();
    private final List<List<Fix>> fixes = new ArrayList<>();
    private final Embeddings embeddings;
    private List<Fix> current = new ArrayList<>(); // content positions in the open chunk
    private final Set<String> unknown = new LinkedHashSet<>();
    private int[] ids = new int[16];
    private float[] mults = new float[16];
    private int count;
    private int lastComma = -1;
    private int cut;
    private String cutRun = "";
    private int breaks;

    Builder(PromptTokenizer tokenizer, boolean chunked, int backtrack, Embeddings embeddings) {
      this.tokenizer = tokenizer;
      this.embeddings = embeddings;
      this.chunked = chunked;
      this.backtrack = backtrack;
      this.capacity = chunked ? CHUNK_LENGTH : tokenizer.contentCapacity();
    }

    void add(PromptAttention.Run run) {
      if (run.isBreak()) {
        if (chunked) {
          nextChunk();
        } else {
          breaks++;
        }
        return;
      }
      float weight = (float) run.weight();
      for (Embeddings.Piece p : embeddings.split(run.text())) {
        if (p.embedding() != null) {
          addEmbedding(p.embedding(), weight, run);
        } else {
          addText(p.text(), weight, run);
        }
      }
    }

    /**
     * An embedding's vectors as one unit (sd_hijack_clip.py tokenize_line): a new chunk first when
     * they do not fit this one; on a single window they are cut whole when they do not fit.
     */
    private void addEmbedding(Embedding e, float weight, PromptAttention.Run run) {
      int n = e.vectors();
      if (count + n > capacity) {
        if (!chunked) {
          if (cut == 0) {
            cutRun = run.text().strip();
          }
          cut += n;
          return;
        }
        nextChunk();
      }
      current.add(new Fix(count, e));
      for (int i = 0; i < n; i++) {
        append(0, weight);
      }
    }

    private void addText(String text, float weight, PromptAttention.Run run) {
      PromptPiece piece = tokenizer.tokenizePiece(text);
      unknown.addAll(piece.unknownWords());
      int comma = tokenizer.commaId();
      for (int id : piece.ids()) {
        if (!chunked) {
          if (count == capacity) {
            if (cut == 0) {
              cutRun = run.text().strip();
            }
            cut++;
            continue;
          }
        } else if (comma >= 0 && id == comma) {
          lastComma = count;
        } else if (backtrack != 0
            && count == capacity
            && lastComma != -1
            && count - lastComma <= backtrack) {
          int from = lastComma + 1;
          int[] movedIds = Arrays.copyOfRange(ids, from, count);
          float[] movedMults = Arrays.copyOfRange(mults, from, count);
          // Embeddings after the comma move with their positions (A1111 leaves them behind).
          List<Fix> moved = current.stream().filter(f -> f.position() >= from).toList();
          current.removeAll(moved);
          count = from;
          nextChunk();
          for (Fix f : moved) {
            current.add(new Fix(f.position() - from, f.embedding()));
          }
          for (int i = 0; i < movedIds.length; i++) {
            append(movedIds[i], movedMults[i]);
          }
        }
        if (chunked && count == capacity) {
          nextChunk();
        }
        append(id, weight);
      }
    }

    private void append(int id, float weight) {
      if (count == ids.length) {
        ids = Arrays.copyOf(ids, 2 * count);
        mults = Arrays.copyOf(mults, 2 * count);
      }
      ids[count] = id;
      mults[count] = weight;
      count++;
    }

    /** Closes the current chunk as a window with its weights (1 on specials and padding). */
    private void nextChunk() {
      int[] window = tokenizer.window(Arrays.copyOf(ids, count));
      float[] w = new float[window.length];
      Arrays.fill(w, 1f);
      System.arraycopy(mults, 0, w, tokenizer.contentOffset(), count);
      windows.add(window);
      weights.add(w);
      List<Fix> placed = new ArrayList<>();
      for (Fix f : current) {
        placed.add(new Fix(f.position() + tokenizer.contentOffset(), f.embedding()));
      }
      fixes.add(placed);
      current = new ArrayList<>();
      count = 0;
      lastComma = -1;
    }

    PromptChunks finish() {
      if (count > 0 || windows.isEmpty()) {
        nextChunk();
      }
      return new PromptChunks(
          windows, weights, cut, cutRun, breaks, new ArrayList<>(unknown), fixes);
    }
  }
}
