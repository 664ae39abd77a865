package dev.stepwise.engine.pack;

import java.nio.file.Path;

/**
 * Which tokenizer files a model pack's {@code tokenizer/} folder holds; absent files are null.
 *
 * <p>A pack has at least {@code tokenizer.json} or the pair {@code vocab.json} + {@code merges.txt}
 * (transformers CLIPTokenizerFast / CLIPTokenizer). Parsing them is the tokenizer's job.
 *
 * @param dir the tokenizer folder
 * @param tokenizerJson {@code tokenizer.json} (Hugging Face tokenizers format), or null
 * @param vocabJson {@code vocab.json}, or null
 * @param mergesTxt {@code merges.txt}, or null
 * @param tokenizerConfigJson {@code tokenizer_config.json}, or null
 * @param specialTokensMapJson {@code special_tokens_map.json}, or null
 */
public record TokenizerFiles(
    Path dir,
    Path tokenizerJson,
    Path vocabJson,
    Path mergesTxt,
    Path tokenizerConfigJson,
    Path specialTokensMapJson) {

  /** Whether {@code tokenizer.json} is present. */
  public boolean hasTokenizerJson() {
    return tokenizerJson != null;
  }

  /** Whether both {@code vocab.json} and {@code merges.txt} are present. */
  public boolean hasVocabAndMerges() {
    return vocabJson != null && mergesTxt != null;
  }
}
