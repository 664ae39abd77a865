package dev.stepwise.engine.tokenizer;

import java.util.Set;

/**
 * Turns a prompt into the fixed-length id sequence a text encoder consumes.
 *
 * <p>Implementations are immutable and safe to share between threads. {@link #encode} never fails
 * on prompt content: text that does not fit the window is truncated and reported in {@link
 * TokenizedPrompt#truncated()}, words the vocabulary lacks are reported in {@link
 * TokenizedPrompt#unknownWords()}. An empty prompt is valid and gives the unconditional sequence
 * (the special tokens of the model, then padding).
 */
public interface PromptTokenizer {

  /**
   * Tokenizes {@code prompt}, adds the model's special tokens, truncates and pads to {@link
   * #maxLength()}.
   *
   * @throws dev.stepwise.engine.EngineException if {@code prompt} is null
   */
  TokenizedPrompt encode(String prompt);

  /** The encoder window: the length of every {@link TokenizedPrompt#ids()} (77 for CLIP). */
  int maxLength();

  /**
   * Whole words the model knows, for prompt completion: letters only, lower case where the model
   * lower-cases, iteration in vocabulary id order. The set is unmodifiable.
   */
  Set<String> vocabularyWords();
}
