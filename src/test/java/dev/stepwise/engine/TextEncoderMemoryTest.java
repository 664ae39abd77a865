package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 21's memory item: the text encoders are read only when a prompt is encoded, and a model
 * that does not keep them drops them once a job's prompts are encoded, reads them again for the
 * next prompt and makes the same pixels as one that kept them, with nothing left behind.
 */
class TextEncoderMemoryTest {

  private static GenerationResult run(DiffusionModel m, String prompt, int batch) {
    GenerationRequest r =
        GenerationRequest.builder()
            .prompt(prompt)
            .negativePrompt("blurry")
            .steps(2)
            .guidance(5)
            .seed(3)
            .batch(batch)
            .previewMethod(PreviewMethod.OFF)
            .build();
    return new Pipeline(m).run(r, new GenerationListener() {}, new CancellationToken());
  }

  private static byte[] pixels(GenerationResult r, int i) {
    return r.images().get(i).image().rgb();
  }

  @ParameterizedTest
  @ValueSource(strings = {"tiny-sd", "tiny-sdxl"})
  void encodersAreReadAtTheFirstPromptAndDroppedAfterItWhenAsked(String name) {
    Path pack = TestPacks.byName(name);
    try (DiffusionModel kept = DiffusionModel.load(pack, Device.cpu());
        DiffusionModel dropping = DiffusionModel.load(pack, Device.cpu())) {
      dropping.keepTextEncoders(false);
      int bare = dropping.liveArrays();
      assertEquals(bare, kept.liveArrays());
      for (DiffusionModel m : new DiffusionModel[] {kept, dropping}) {
        assertFalse(m.textEncodersResident(), "no encoder weights before the first prompt");
        assertEquals(0, m.textEncoderReads());
        assertTrue(m.textEncoderBytes() > 0, "sized from the headers before any read");
      }
      assertEquals(kept.isSdxl(), name.equals("tiny-sdxl"));
      assertFalse(kept.textEncodersResident(), "isSdxl reads nothing");

      GenerationResult a1 = run(kept, "a red heart emoji", 2);
      GenerationResult b1 = run(dropping, "a red heart emoji", 2);
      assertTrue(kept.textEncodersResident());
      assertTrue(kept.liveArrays() > bare, "the kept encoders hold arrays");
      assertFalse(dropping.textEncodersResident(), "dropped once the batch's prompts were encoded");
      assertEquals(bare, dropping.liveArrays(), "a drop frees every encoder array");
      assertEquals(1, dropping.textEncoderReads(), "one read for the whole batch");
      assertArrayEquals(pixels(a1, 0), pixels(b1, 0));
      assertArrayEquals(pixels(a1, 1), pixels(b1, 1));

      GenerationResult a2 = run(kept, "a blue star", 1);
      GenerationResult b2 = run(dropping, "a blue star", 1);
      assertEquals(1, kept.textEncoderReads(), "a kept model reads them once");
      assertEquals(2, dropping.textEncoderReads(), "read again for the next prompt");
      assertFalse(dropping.textEncodersResident());
      assertEquals(bare, dropping.liveArrays(), "nothing left behind after the second run");
      assertArrayEquals(pixels(a2, 0), pixels(b2, 0), "the re-read encoders give the same pixels");
      assertFalse(java.util.Arrays.equals(pixels(a1, 0), pixels(a2, 0)), "the prompts differ");

      // Turning keeping back on keeps them after the next prompt.
      dropping.keepTextEncoders(true);
      run(dropping, "a blue star", 1);
      assertTrue(dropping.textEncodersResident());
      assertEquals(kept.liveArrays(), dropping.liveArrays());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"tiny-sd", "tiny-sdxl"})
  void droppingLowersTheMemoryEstimateByTheEncodersAtMost(String name) {
    try (DiffusionModel m = DiffusionModel.load(TestPacks.byName(name), Device.cpu())) {
      long keptPeak = MemoryEstimate.peakBytes(m, 64, 64, true);
      m.keepTextEncoders(false);
      long droppedPeak = MemoryEstimate.peakBytes(m, 64, 64, true);
      assertTrue(droppedPeak <= keptPeak, droppedPeak + " > " + keptPeak);
      assertTrue(keptPeak - droppedPeak <= m.textEncoderBytes());
      long estimated = m.textEncoderBytes();
      run(m, "a cat", 1); // read once: the size as loaded replaces the estimate
      // The estimate: header sizes at the UNet's bytes per parameter (matrices F16, norms and
      // biases F32 in a different mix on the tiny packs).
      long read = m.textEncoderBytes();
      assertEquals(read, estimated, read * 0.25, "estimated " + estimated + ", read " + read);
    }
  }
}
