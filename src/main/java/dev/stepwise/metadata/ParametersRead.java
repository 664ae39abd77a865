package dev.stepwise.metadata;

import java.util.List;

/**
 * What a reader of another tool's metadata understood: the settings in A1111's terms (the sampler
 * still the other tool's name), which tool and where in the file they came from, and sentences on
 * everything filled in, mapped to a near value or left out.
 *
 * @param tool the tool recognised and, where it matters, the part read, such as {@code "ComfyUI,
 *     KSampler node 3"}; never null
 * @param parameters the settings read; a value the file did not record holds A1111's default and a
 *     notice says so
 * @param notices one sentence each; never null
 */
public record ParametersRead(String tool, GenerationParameters parameters, List<String> notices) {
  /** Copies the notices. */
  public ParametersRead {
    notices = List.copyOf(notices);
  }
}
