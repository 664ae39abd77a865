package dev.stepwise.engine.pack;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Whether a prompt asks a model trained on one subject per caption (the built-in emoji model, whose
 * pack lists its captions as {@link PromptIdeas}) for something its captions can give: every word
 * of the prompt that the captions use must occur together in one caption. "a cat wearing a hat"
 * uses only known words, yet no caption has them all, so the model draws a smeared cat face; the
 * studio says so before the run instead of leaving the artist to guess.
 */
public final class PromptScope {
  private static final Pattern WEIGHT = Pattern.compile(":\\s*[-+]?(\\d+\\.?\\d*|\\.\\d+)");
  private static final Pattern SPLIT = Pattern.compile("[^\\p{L}\\p{N}'-]+");

  private final List<String> ideas;
  private final Map<String, BitSet> captionsOf = new HashMap<>(); // word -> captions using it

  private PromptScope(List<String> ideas) {
    this.ideas = List.copyOf(ideas);
    for (int i = 0; i < this.ideas.size(); i++) {
      for (String w : words(this.ideas.get(i))) {
        captionsOf.computeIfAbsent(w, k -> new BitSet()).set(i);
      }
    }
  }

  /** The scope of a model whose captions are {@code ideas} (empty: every prompt is in scope). */
  public static PromptScope of(List<String> ideas) {
    return new PromptScope(ideas);
  }

  /**
   * One sentence when no caption holds all of {@code prompt}'s caption words, naming the words and
   * the caption that shares most of them; empty when one does, when the model lists no captions, or
   * when the prompt uses no caption word (unknown words have their own warning).
   */
  public String note(String prompt) {
    if (ideas.isEmpty() || prompt == null) {
      return "";
    }
    List<String> known = new ArrayList<>();
    for (String w : words(WEIGHT.matcher(prompt).replaceAll(" "))) {
      if (captionsOf.containsKey(w) && !w.equals("break")) {
        known.add(w);
      }
    }
    if (known.isEmpty()) {
      return "";
    }
    BitSet all = (BitSet) captionsOf.get(known.get(0)).clone();
    for (String w : known) {
      all.and(captionsOf.get(w));
    }
    if (!all.isEmpty()) {
      return "";
    }
    return "This model draws single emoji as its captions name them; none has all of "
        + String.join(", ", known)
        + " (closest: \""
        + closest(known)
        + "\").";
  }

  /** The caption with the most of {@code known}'s words; the shortest such one on a tie. */
  private String closest(List<String> known) {
    int[] hits = new int[ideas.size()];
    for (String w : known) {
      BitSet s = captionsOf.get(w);
      for (int i = s.nextSetBit(0); i >= 0; i = s.nextSetBit(i + 1)) {
        hits[i]++;
      }
    }
    int best = 0;
    for (int i = 1; i < hits.length; i++) {
      if (hits[i] > hits[best]
          || (hits[i] == hits[best] && ideas.get(i).length() < ideas.get(best).length())) {
        best = i;
      }
    }
    return ideas.get(best);
  }

  /** The lower-case words of {@code text}, each once, in order. */
  static Set<String> words(String text) {
    Set<String> out = new LinkedHashSet<>();
    for (String w : SPLIT.split(text.toLowerCase(Locale.ROOT))) {
      String t = w.replaceAll("^['-]+|['-]+$", "");
      if (!t.isEmpty()) {
        out.add(t);
      }
    }
    return out;
  }
}
