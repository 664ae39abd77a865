package dev.stepwise.metadata;

import com.google.gson.JsonObject;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the parameters Draw Things writes into an XMP packet (PNG iTXt {@code XML:com.adobe.xmp}):
 * JSON in {@code exif:UserComment} ({@code c} prompt, {@code uc} negative, {@code scale}, {@code
 * sampler} such as {@code DDIM Trailing}, {@code size}, {@code seed}, {@code steps}, {@code
 * model}), and in {@code dc:description} the same as A1111-like text (the negative prompt on a line
 * starting with "-", {@code Guidance Scale} for the CFG scale), read when the JSON is absent. The
 * packet is scanned as text for those two elements; no XML parser (and so no entity expansion or
 * external fetch) is involved.
 */
final class XmpParameters {
  /** The PNG text keyword of an XMP packet, and the key {@link ExifComment} gives one under. */
  static final String KEY = "XML:com.adobe.xmp";

  private static final Pattern ENTITY =
      Pattern.compile("&(#x[0-9A-Fa-f]{1,6}|#[0-9]{1,7}|\\w{2,4});");

  private XmpParameters() {}

  static ParametersRead read(String xmp) {
    String creator = field(xmp, "xmp:CreatorTool");
    String tool = creator == null || creator.isBlank() ? "an XMP packet" : creator.strip();
    String comment = field(xmp, "exif:UserComment");
    if (comment != null) {
      JsonObject o = Json.object(comment, "XMP user comment");
      if (o != null) {
        return JsonParameters.drawThings(o, tool);
      }
      return ForeignParameters.a1111(comment, tool);
    }
    String description = field(xmp, "dc:description");
    if (description == null || description.isBlank()) {
      throw new MetadataException(ForeignParameters.NONE);
    }
    String[] lines = description.strip().split("\\r?\\n", -1);
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (i == lines.length - 1 && lines.length > 1) {
        line = line.replace("Guidance Scale:", "CFG scale:");
      } else if (i > 0 && line.startsWith("-")) {
        line = InfoText.NEGATIVE_PREFIX + " " + line.substring(1);
      }
      text.append(i == 0 ? "" : "\n").append(line);
    }
    return ForeignParameters.a1111(text.toString(), tool);
  }

  /**
   * The text of an element or attribute of the packet: {@code <name>...</name>} (the first {@code
   * rdf:li} inside when it holds a list) or {@code name="..."}; entities decoded. Null when absent.
   */
  static String field(String xmp, String name) {
    int open = xmp.indexOf("<" + name);
    if (open >= 0) {
      int start = xmp.indexOf('>', open);
      int end = xmp.indexOf("</" + name + ">", open);
      if (start < 0 || end < 0 || start >= end) {
        return null;
      }
      String inner = xmp.substring(start + 1, end);
      int li = inner.indexOf("<rdf:li");
      if (li >= 0) {
        int liStart = inner.indexOf('>', li);
        int liEnd = inner.indexOf("</rdf:li>", li);
        if (liStart < 0 || liEnd < liStart) {
          return null;
        }
        inner = inner.substring(liStart + 1, liEnd);
      }
      return unescape(inner);
    }
    int attr = xmp.indexOf(name + "=\"");
    if (attr >= 0) {
      int start = attr + name.length() + 2;
      int end = xmp.indexOf('"', start);
      return end < 0 ? null : unescape(xmp.substring(start, end));
    }
    return null;
  }

  /** Decodes XML's five named entities and numeric character references; others stay as written. */
  static String unescape(String s) {
    Matcher m = ENTITY.matcher(s);
    StringBuilder out = new StringBuilder(s.length());
    while (m.find()) {
      String e = m.group(1);
      String r =
          switch (e) {
            case "lt" -> "<";
            case "gt" -> ">";
            case "amp" -> "&";
            case "quot" -> "\"";
            case "apos" -> "'";
            default -> {
              int cp = -1;
              try {
                cp =
                    e.startsWith("#x")
                        ? Integer.parseInt(e.substring(2), 16)
                        : e.startsWith("#") ? Integer.parseInt(e.substring(1)) : -1;
              } catch (NumberFormatException ex) {
                cp = -1;
              }
              yield Character.isValidCodePoint(cp) && cp > 0
                  ? new String(Character.toChars(cp))
                  : m.group();
            }
          };
      m.appendReplacement(out, Matcher.quoteReplacement(r));
    }
    m.appendTail(out);
    return out.toString();
  }
}
