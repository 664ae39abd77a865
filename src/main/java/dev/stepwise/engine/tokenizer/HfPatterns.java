package dev.stepwise.engine.tokenizer;

import com.google.gson.JsonObject;
import dev.stepwise.engine.ModelPackException;
import java.util.regex.Pattern;

/**
 * Reads the {@code "pattern"} field shared by the Replace normalizer and the Split pre-tokenizer:
 * {@code {"String": "literal"}} or {@code {"Regex": "expression"}} (tokenizers
 * pre_tokenizers/split.rs SplitPattern).
 */
final class HfPatterns {
  private HfPatterns() {}

  /**
   * The compiled pattern, run with a bounded cost ({@link FileRegex}), or null for an empty string
   * pattern (which matches nothing upstream).
   *
   * @param kind the owner's type as messages name it: "Split" or "Replace"
   * @param origin the file, as messages name it
   */
  static FileRegex compile(JsonObject owner, String where, String kind, String origin) {
    JsonObject pattern = TokenizerFiles.object(owner, "pattern", where);
    if (pattern == null) {
      throw new ModelPackException("The " + where + " needs a \"pattern\" object.");
    }
    String literal = TokenizerFiles.string(pattern, "String", where + " pattern");
    String regex = TokenizerFiles.string(pattern, "Regex", where + " pattern");
    if ((literal == null) == (regex == null)) {
      throw new ModelPackException(
          "The pattern of " + where + " must be {\"String\": ...} or {\"Regex\": ...}.");
    }
    if (literal != null) {
      return literal.isEmpty()
          ? null
          : new FileRegex(Pattern.compile(Pattern.quote(literal)), kind, literal, origin);
    }
    return new FileRegex(HfNormalizers.compileRegex(regex, where), kind, regex, origin);
  }
}
