package dev.stepwise.metadata;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds the {@code Key: value} pairs of an infotext's last line in linear time.
 *
 * <p>This is a hand-written twin of the regular expression in AUTOMATIC1111
 * modules/infotext_utils.py, {@code \s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)}, used
 * with {@code re.findall}. A backtracking regex engine needs quadratic time on a long line of words
 * without a colon, and image text is untrusted, so the same matches are found here by a scan that
 * skips every start position that is bound to fail. The tests check it against the regex itself.
 *
 * <p>Why skipping is exact: a key is a word character followed by one or more characters of {@code
 * [\w \-/]}, then a colon. None of those characters is a colon, so the only way a key starting at
 * {@code q} can be followed by a colon is to run to the end {@code e} of the maximal class run;
 * every other start inside that run shares the same {@code e} and fails the same way. Character
 * classes follow Python's Unicode {@code str} semantics ({@link #isWord}, {@link #isSpace}).
 */
final class ParamLine {
  private ParamLine() {}

  /** Returns the raw key and value of every match, in order; values are still quoted. */
  static List<String[]> findAll(String line) {
    List<String[]> pairs = new ArrayList<>();
    int n = line.length();
    int p = 0;
    while (p < n) {
      int q = skipSpaces(line, p);
      if (q >= n) {
        break;
      }
      int cp = line.codePointAt(q);
      if (!isWord(cp)) {
        p = q + Character.charCount(cp);
        continue;
      }
      int e = q;
      int count = 0;
      while (e < n) {
        int c = line.codePointAt(e);
        if (!(isWord(c) || c == ' ' || c == '-' || c == '/')) {
          break;
        }
        e += Character.charCount(c);
        count++;
      }
      if (count < 2 || e >= n || line.charAt(e) != ':') {
        p = Math.max(e, q + Character.charCount(cp));
        continue;
      }
      String key = line.substring(q, e);
      int j = skipSpaces(line, e + 1);
      int quotedEnd = quotedEnd(line, j);
      int valueEnd;
      int next;
      if (quotedEnd >= 0) {
        valueEnd = quotedEnd;
        next = quotedEnd == n ? n : quotedEnd + 1;
      } else {
        int comma = line.indexOf(',', j);
        valueEnd = comma < 0 ? n : comma;
        next = comma < 0 ? n : comma + 1;
      }
      pairs.add(new String[] {key, line.substring(j, valueEnd)});
      p = next;
    }
    return pairs;
  }

  /**
   * Returns the end (exclusive) of a quoted value starting at {@code j} that is followed by a comma
   * or the end of the line, or -1 when the quoted alternative of the regex does not match there.
   */
  private static int quotedEnd(String line, int j) {
    int n = line.length();
    if (j >= n || line.charAt(j) != '"') {
      return -1;
    }
    int k = j + 1;
    int items = 0;
    while (k < n) {
      char c = line.charAt(k);
      if (c == '\\') {
        if (k + 1 >= n || line.charAt(k + 1) == '\n') {
          break; // "\\." needs one more character, and Python's "." excludes a newline
        }
        k += 2;
      } else if (c == '"') {
        break;
      } else {
        k++;
      }
      items++;
    }
    if (items == 0 || k >= n || line.charAt(k) != '"') {
      return -1;
    }
    int end = k + 1;
    return end == n || line.charAt(end) == ',' ? end : -1;
  }

  private static int skipSpaces(String s, int from) {
    int i = from;
    while (i < s.length()) {
      int cp = s.codePointAt(i);
      if (!isSpace(cp)) {
        break;
      }
      i += Character.charCount(cp);
    }
    return i;
  }

  /** Python's {@code \w} for {@code str}: alphanumeric ({@code str.isalnum()}) or underscore. */
  static boolean isWord(int cp) {
    if (cp == '_' || Character.isLetterOrDigit(cp)) {
      return true;
    }
    int type = Character.getType(cp);
    return type == Character.LETTER_NUMBER || type == Character.OTHER_NUMBER;
  }

  /** Python's {@code \s} and {@code str.isspace()}: Unicode white space. */
  static boolean isSpace(int cp) {
    return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85;
  }

  /** Python's {@code str.strip()}: removes leading and trailing {@link #isSpace} characters. */
  static String strip(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && isSpace(s.codePointAt(start))) {
      start += Character.charCount(s.codePointAt(start));
    }
    while (end > start && isSpace(s.codePointBefore(end))) {
      end -= Character.charCount(s.codePointBefore(end));
    }
    return s.substring(start, end);
  }
}
