package dev.stepwise.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The heap-based BPE against a naive twin written the way the reference states it (transformers
 * tokenization_clip.py bpe(): find the lowest-ranked adjacent pair, merge every occurrence left to
 * right, repeat), on thousands of words with the real CLIP merges.
 */
class BpeModelTwinTest {

  @Test
  void heapBpeEqualsNaiveReferenceOnManyWords() throws Exception {
    List<String> lines = Files.readAllLines(ClipMerges.path(), StandardCharsets.UTF_8);
    Map<String, Integer> ranks = new HashMap<>();
    int rank = 0;
    for (String line : lines.subList(1, lines.size())) {
      if (!line.isEmpty()) {
        ranks.put(line, rank++);
      }
    }
    ClipBpeTokenizer clip = ClipMerges.tokenizer();

    List<String> words = new ArrayList<>();
    Iterator<String> vocabWords = clip.vocabularyWords().iterator();
    List<String> known = new ArrayList<>();
    for (int i = 0; i < 3000 && vocabWords.hasNext(); i++) {
      known.add(vocabWords.next());
    }
    words.addAll(known);
    Random random = new Random(1234);
    for (int i = 0; i < 1500; i++) {
      words.add(known.get(random.nextInt(known.size())) + known.get(random.nextInt(known.size())));
    }
    for (int i = 0; i < 800; i++) {
      words.add(randomString(random, "abcdefghijklmnopqrstuvwxyz", 1 + random.nextInt(30)));
    }
    for (int i = 0; i < 300; i++) {
      words.add(randomString(random, "!#$%&()*+,-./:;<=>?@[]^_`{|}~\"", 1 + random.nextInt(8)));
    }
    for (int i = 0; i < 300; i++) {
      words.add(
          randomString(
              random, "αβγδεζηθλμπσωжзиклмнопçéèêëïîôöüßøåæ猫犬東京山川", 1 + random.nextInt(6)));
    }
    words.add("a");
    words.add("supercalifragilisticexpialidocious");
    words.add("a".repeat(300)); // longer than the cache bound

    int checked = 0;
    for (String word : words) {
      List<String> expected =
          naive(ByteUnicode.encode(word.getBytes(StandardCharsets.UTF_8)), ranks);
      assertEquals(expected, clip.tokenStrings(word), word);
      checked++;
    }
    assertEquals(words.size(), checked);
  }

  private static String randomString(Random random, String alphabet, int length) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < length; i++) {
      sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  /** The reference algorithm on symbol strings, kept deliberately simple. */
  private static List<String> naive(String symbols, Map<String, Integer> ranks) {
    List<String> word = new ArrayList<>();
    for (int i = 0; i < symbols.length(); i++) {
      word.add(symbols.charAt(i) + (i == symbols.length() - 1 ? "</w>" : ""));
    }
    while (word.size() > 1) {
      String best = null;
      int bestRank = Integer.MAX_VALUE;
      for (int i = 0; i + 1 < word.size(); i++) {
        Integer r = ranks.get(word.get(i) + " " + word.get(i + 1));
        if (r != null && r < bestRank) {
          bestRank = r;
          best = word.get(i) + " " + word.get(i + 1);
        }
      }
      if (best == null) {
        break;
      }
      String first = best.substring(0, best.indexOf(' '));
      String second = best.substring(best.indexOf(' ') + 1);
      List<String> merged = new ArrayList<>();
      int i = 0;
      while (i < word.size()) {
        if (i + 1 < word.size() && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
          merged.add(first + second);
          i += 2;
        } else {
          merged.add(word.get(i));
          i++;
        }
      }
      word = merged;
    }
    return word;
  }
}
