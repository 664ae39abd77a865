package dev.stepwise.metadata;

/**
 * JSON string literals as A1111 writes and reads them in infotext values.
 *
 * <p>Semantics follow Python's {@code json.dumps(text, ensure_ascii=False)} and {@code json.loads}
 * (strict mode), which AUTOMATIC1111 modules/infotext_utils.py {@code quote()} / {@code unquote()}
 * use: only {@code "}, backslash and control characters are escaped; other characters, non-ASCII
 * included, are written as they are.
 */
final class JsonString {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private JsonString() {}

  /** Returns {@code text} as a JSON string literal, quotes included. */
  static String quote(String text) {
    StringBuilder out = new StringBuilder(text.length() + 8);
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20) {
            out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  /**
   * Decodes a complete JSON string literal, or returns null when {@code literal} is not exactly one
   * valid literal (the caller then keeps the raw text, as A1111's {@code unquote()} does).
   */
  static String unquote(String literal) {
    int n = literal.length();
    if (n < 2 || literal.charAt(0) != '"' || literal.charAt(n - 1) != '"') {
      return null;
    }
    StringBuilder out = new StringBuilder(n);
    int i = 1;
    while (i < n - 1) {
      char c = literal.charAt(i);
      if (c == '"' || c < 0x20) {
        return null; // an inner unescaped quote ends the literal early; strict JSON has no controls
      }
      if (c != '\\') {
        out.append(c);
        i++;
        continue;
      }
      if (i + 1 >= n - 1) {
        return null; // the backslash would escape the closing quote
      }
      char e = literal.charAt(i + 1);
      switch (e) {
        case '"' -> out.append('"');
        case '\\' -> out.append('\\');
        case '/' -> out.append('/');
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'u' -> {
          if (i + 6 > n - 1) {
            return null;
          }
          int code = 0;
          for (int k = i + 2; k < i + 6; k++) {
            int d = Character.digit(literal.charAt(k), 16);
            if (d < 0 || literal.charAt(k) > 'f') {
              return null;
            }
            code = code * 16 + d;
          }
          out.append((char) code);
          i += 4;
        }
        default -> {
          return null;
        }
      }
      i += 2;
    }
    return out.toString();
  }
}
