package dev.stepwise.engine.tokenizer;

import java.util.List;

/**
 * The tokens of one piece of a prompt (for example one emphasis run), without special tokens,
 * truncation or padding.
 *
 * @param ids the content ids in order
 * @param unknownWords words the vocabulary lacks, each once, in normalised form (empty for BPE)
 */
public record PromptPiece(int[] ids, List<String> unknownWords) {

  /** Takes defensive copies. */
  public PromptPiece {
    ids = ids.clone();
    unknownWords = List.copyOf(unknownWords);
  }

  /** A copy of the ids. */
  @Override
  public int[] ids() {
    return ids.clone();
  }
}
