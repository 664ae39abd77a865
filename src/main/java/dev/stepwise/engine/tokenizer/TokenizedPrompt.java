package dev.stepwise.engine.tokenizer;

import dev.stepwise.engine.EngineException;
import java.util.Arrays;
import java.util.List;

/**
 * One encoded prompt: the padded ids plus what the studio shows about them.
 *
 * @param ids exactly {@code maxLength} ids: the special start token(s), the content tokens, the
 *     special end token(s), then padding (for CLIP: BOS, content, EOS, pad...)
 * @param length how many ids are real tokens, special tokens included, before the padding starts
 * @param truncated whether content tokens were dropped to fit the window
 * @param unknownWords words the vocabulary lacks, each distinct word once in order of first
 *     appearance, in normalised form (always empty for byte-level BPE)
 * @param keptText the part of the prompt that survived truncation: an approximation in the
 *     tokenizer's cleaned form (for CLIP: whitespace collapsed and trimmed, case kept; a word cut
 *     by the truncation is left out); the whole cleaned prompt when nothing was truncated
 */
public record TokenizedPrompt(
    int[] ids, int length, boolean truncated, List<String> unknownWords, String keptText) {

  /** Validates the parts and takes defensive copies. */
  public TokenizedPrompt {
    if (ids == null || unknownWords == null || keptText == null) {
      throw new EngineException(
          "A tokenized prompt needs ids, unknown words and kept text, not null.");
    }
    if (length < 0 || length > ids.length) {
      throw new EngineException(
          "Tokenized prompt length " + length + " must lie between 0 and " + ids.length + ".");
    }
    ids = ids.clone();
    unknownWords = List.copyOf(unknownWords);
  }

  /** A copy of the padded ids (the record keeps its own array). */
  @Override
  public int[] ids() {
    return ids.clone();
  }

  /** The ids before padding: {@code ids()[0 .. length)}. */
  public int[] tokenIds() {
    return Arrays.copyOf(ids, length);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TokenizedPrompt that
        && Arrays.equals(ids, that.ids)
        && length == that.length
        && truncated == that.truncated
        && unknownWords.equals(that.unknownWords)
        && keptText.equals(that.keptText);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(ids) + length) + unknownWords.hashCode();
  }

  @Override
  public String toString() {
    return "TokenizedPrompt[ids="
        + Arrays.toString(tokenIds())
        + " +"
        + (ids.length - length)
        + " pad, truncated="
        + truncated
        + ", unknownWords="
        + unknownWords
        + ", keptText="
        + keptText
        + "]";
  }
}
