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

  /**
   * The content tokens of {@code text} as {@link #encode} would place them, but without special
   * tokens, truncation or padding (for per-run emphasis weights and 75-token chunks).
   *
   * @throws dev.stepwise.engine.EngineException if {@code text} is null
   */
  PromptPiece tokenizePiece(String text);

  /** How many content tokens one window holds: {@link #maxLength()} less the special tokens. */
  int contentCapacity();

  /** Where the content starts in a window: the number of special tokens before it (1 for CLIP). */
  int contentOffset();

  /**
   * One window of {@link #maxLength()} ids around {@code content}: the special start tokens, the
   * content, the special end tokens, then padding, exactly as {@link #encode} lays them out.
   *
   * @throws dev.stepwise.engine.EngineException if {@code content} holds more than {@link
   *     #contentCapacity()} ids
   */
  int[] window(int[] content);

  /**
   * The id of the comma token (CLIP's {@code ",</w>"}, a WordLevel vocabulary's {@code ","}), or -1
   * when the vocabulary has none; AUTOMATIC1111 moves the text after a comma near a chunk's end
   * into the next chunk.
   */
  int commaId();
}
