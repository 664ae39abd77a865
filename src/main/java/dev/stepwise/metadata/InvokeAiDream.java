package dev.stepwise.metadata;

import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.List;

/**
 * InvokeAI 2's {@code Dream} chunk: the command line that made the image, a quoted prompt then
 * switches ({@code "a cat [blurry]" -s 50 -S 42 -W 512 -H 768 -C 7.5 -A k_lms}). Square-bracketed
 * parts of an InvokeAI 2 prompt are its negative prompt.
 */
final class InvokeAiDream {
  private InvokeAiDream() {}

  static ParametersRead read(String line) {
    String s = line.strip();
    RecipeDraft d = new RecipeDraft();
    int i = 0;
    if (s.startsWith("\"")) {
      StringBuilder p = new StringBuilder();
      i = 1;
      while (i < s.length() && s.charAt(i) != '"') {
        if (s.charAt(i) == '\\' && i + 1 < s.length()) {
          i++;
        }
        p.append(s.charAt(i++));
      }
      if (i >= s.length()) {
        throw new MetadataException(
            "The image's Dream text (InvokeAI 2) opens its prompt with a quote and never closes"
                + " it.");
      }
      splitPrompt(d, p.toString());
      i++;
    }
    List<String> words = new ArrayList<>(List.of(s.substring(i).strip().split("\\s+")));
    words.removeIf(String::isEmpty);
    for (int w = 0; w < words.size(); ) {
      String flag = words.get(w++);
      List<String> values = new ArrayList<>();
      while (w < words.size() && !isFlag(words.get(w))) {
        values.add(words.get(w++));
      }
      String v = String.join(" ", values);
      JsonPrimitive j = new JsonPrimitive(v);
      switch (flag) {
        case "-s" -> d.steps = d.count(j, "-s (steps)");
        case "-S" -> d.seed = d.seed(j, "-S (seed)");
        case "-W" -> d.width = d.count(j, "-W (width)");
        case "-H" -> d.height = d.count(j, "-H (height)");
        case "-C" -> d.cfg = d.number(j, "-C (CFG scale)");
        case "-A" -> d.sampler = v;
        default -> d.extra("Dream " + flag.replaceFirst("^-+", ""), v.isEmpty() ? "true" : v);
      }
    }
    return d.finish("InvokeAI 2 (its Dream command line)");
  }

  private static boolean isFlag(String w) {
    return w.length() > 1 && w.charAt(0) == '-' && Character.isLetter(w.charAt(1));
  }

  /** Sets the prompt, moving top-level {@code [...]} parts to the negative prompt. */
  static void splitPrompt(RecipeDraft d, String prompt) {
    if (prompt == null) {
      return;
    }
    StringBuilder pos = new StringBuilder();
    List<String> neg = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < prompt.length(); i++) {
      char c = prompt.charAt(i);
      if (c == '[') {
        if (depth++ == 0) {
          start = i + 1;
        }
      } else if (c == ']' && depth > 0) {
        if (--depth == 0) {
          neg.add(prompt.substring(start, i).strip());
        }
      } else if (depth == 0) {
        pos.append(c);
      }
    }
    if (depth > 0) { // an unclosed bracket: the text is not InvokeAI's syntax, keep it whole
      d.prompt = prompt.strip();
      return;
    }
    d.prompt = pos.toString().strip();
    if (!neg.isEmpty()) {
      d.negative = String.join(", ", neg);
    }
  }
}
