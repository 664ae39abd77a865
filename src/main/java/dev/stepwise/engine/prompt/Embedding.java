package dev.stepwise.engine.prompt;

import java.nio.file.Path;

/**
 * One textual-inversion embedding (Gal et al. 2022): {@code vectors} learnt token embeddings that
 * take the place of the tokens of its name wherever the name stands in a prompt.
 *
 * @param name the file name without its extension: the word a prompt uses
 * @param vectors how many token positions it fills, at least 1
 * @param width the token embedding width D (768 for SD 1.x, 1024 for SD 2.x)
 * @param values the vectors, row-major [vectors, D]
 * @param shortHash the first 12 hex digits of the file's SHA-256, as A1111's {@code TI hashes}
 *     record it (modules/textual_inversion/textual_inversion.py {@code Embedding.set_hash})
 * @param file where it was read from
 * @param width2 SDXL: the second text encoder's width (1280 for {@code clip_g}), else 0
 * @param values2 SDXL: the second text encoder's vectors, row-major [vectors, width2] (A1111 keeps
 *     an SDXL embedding as {@code clip_l} and {@code clip_g}, one per encoder), else null
 */
public record Embedding(
    String name,
    int vectors,
    int width,
    float[] values,
    String shortHash,
    Path file,
    int width2,
    float[] values2) {

  /** An SD 1.x / 2.x embedding: one text encoder's vectors. */
  public Embedding(
      String name, int vectors, int width, float[] values, String shortHash, Path file) {
    this(name, vectors, width, values, shortHash, file, 0, null);
  }

  /** Checks that the values fill [vectors, width] (and [vectors, width2]). */
  public Embedding {
    boolean second = values2 == null ? width2 == 0 : values2.length == (long) vectors * width2;
    if (vectors < 1 || width < 1 || values.length != (long) vectors * width || !second) {
      throw new IllegalArgumentException(
          "The embedding "
              + name
              + " holds "
              + values.length
              + " values, not "
              + vectors
              + "x"
              + width
              + (values2 == null ? "" : " and " + vectors + "x" + width2)
              + ".");
    }
  }

  /** Whether it is an SDXL embedding (vectors for both text encoders). */
  public boolean sdxl() {
    return values2 != null;
  }
}
