package dev.stepwise.engine.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.clip.ClipTextConfig;
import dev.stepwise.engine.clip.ClipTextModel;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.RandomWeights;

/**
 * Times a model shape's text encoder with random weights as a guided generation runs it: the prompt
 * and the negative prompt, one full window each ({@code [1, L]} token ids, two passes, as
 * engine/Pipeline encodes them).
 */
public final class TextEncoderBenchmark {
  private TextEncoderBenchmark() {}

  /**
   * One measurement.
   *
   * @param encode both passes, ms (median, min, max)
   * @param parameters the text encoder's parameter count
   * @param peakRss the highest resident memory while it was built and timed, bytes (-1 off Linux)
   */
  public record Result(Timing.Figure encode, long parameters, long peakRss) {}

  /**
   * Builds {@code shape}'s text encoder and times {@code samples} encodes after {@code warmups}.
   */
  public static Result time(ModelShape shape, Device device, int warmups, int samples) {
    ClipTextConfig config = shape.text();
    int len = Math.min(shape.tokens(), config.maxPositionEmbeddings());
    int[] prompt = new int[len];
    int[] negative = new int[len];
    for (int i = 0; i < len; i++) { // any ids in the vocabulary: the cost does not depend on them
      prompt[i] = (int) ((i * 7919L + 1) % config.vocabSize());
      negative[i] = (int) ((i * 104729L + 3) % config.vocabSize());
    }
    RandomWeights random = RandomWeights.seeded(1);
    try (Memory.Window rss = Memory.Window.open();
        NDManager weights = NDManager.newBaseManager(device)) {
      ClipTextModel model = new ClipTextModel(config, Parameters.random(random, weights));
      Timing.Figure f =
          Timing.fixed(
              () -> {
                try (NDManager job = weights.newSubManager()) {
                  for (int[] ids : new int[][] {prompt, negative}) {
                    NDArray x = job.create(ids, new Shape(1, len)); // [1, L]
                    model.forward(x).toFloatArray(); // [1, L, D]
                  }
                }
              },
              warmups,
              samples);
      return new Result(f, random.parameterCount(), rss.peak());
    }
  }
}
