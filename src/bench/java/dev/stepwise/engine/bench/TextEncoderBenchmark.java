package dev.stepwise.engine.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.clip.ClipTextModel;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.RandomWeights;

/**
 * A shape's text encoder with random weights, timed as a guided generation runs it: the prompt and
 * the negative prompt, a full window each (two {@code [1, L]} passes, as engine/Pipeline does).
 */
public final class TextEncoderBenchmark {
  private TextEncoderBenchmark() {}

  /** Both passes' figure, the parameter count, the peak resident memory (bytes, -1 unknown). */
  public record Result(Timing.Figure encode, long parameters, long peakRss) {}

  public static Result time(ModelShape shape, Device device, int warmups, int samples) {
    int len = shape.tokens();
    int[] ids = new int[len];
    for (int i = 0; i < len; i++) { // any ids: the cost does not depend on them
      ids[i] = (int) ((i * 7919L + 1) % shape.text().vocabSize());
    }
    RandomWeights random = RandomWeights.seeded(1);
    try (Memory.PeakSampler rss = Memory.PeakSampler.start();
        NDManager weights = NDManager.newBaseManager(device)) {
      ClipTextModel model = new ClipTextModel(shape.text(), Parameters.random(random, weights));
      Runnable encode =
          () -> {
            try (NDManager job = weights.newSubManager()) {
              for (int pass = 0; pass < 2; pass++) {
                model.forward(job.create(ids, new Shape(1, len))).toFloatArray(); // [1, L, D]
              }
            }
          };
      Timing.Figure f = Timing.fixed(encode, warmups, samples);
      return new Result(f, random.parameterCount(), rss.peak());
    }
  }
}
