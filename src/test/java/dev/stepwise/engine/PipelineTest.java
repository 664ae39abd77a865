package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.stepwise.engine.sampling.Latents;
import dev.stepwise.recipe.Sampler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PipelineTest {
  private static DiffusionModel model;
  private static Pipeline pipeline;

  @BeforeAll
  static void load() {
    model = DiffusionModel.load(TestPacks.tinySd(), Device.cpu());
    pipeline = new Pipeline(model);
  }

  @AfterAll
  static void close() {
    if (model != null) {
      model.close();
    }
  }

  private static GenerationRequest.Builder base() {
    return GenerationRequest.builder().prompt("a red heart emoji").steps(4).guidance(3).seed(7);
  }

  private static List<GeneratedImage> run(GenerationRequest r) {
    return pipeline.run(r, new GenerationListener() {}, new CancellationToken()).images();
  }

  @Test
  void sameRequestGivesIdenticalPixels() {
    byte[] a = run(base().build()).get(0).image().rgb();
    byte[] b = run(base().build()).get(0).image().rgb();
    assertArrayEquals(a, b);
    byte[] other = run(base().seed(8).build()).get(0).image().rgb();
    assertFalse(Arrays.equals(a, other), "another seed must give another image");
  }

  @Test
  void sizeZeroMeansTheModelsOwnSize() {
    RgbImage img = run(base().build()).get(0).image();
    int own = model.unetConfig().sampleSize() * model.info().vaeFactor();
    assertEquals(own, img.width());
    assertEquals(own, img.height());
  }

  @Test
  void imageIOfABatchEqualsASingleRunWithSeedPlusI() {
    List<GeneratedImage> batch = run(base().batch(3).seed(100).build());
    assertEquals(3, batch.size());
    for (int i = 0; i < 3; i++) {
      assertEquals(100 + i, batch.get(i).seed());
      byte[] single = run(base().seed(100 + i).build()).get(0).image().rgb();
      assertArrayEquals(single, batch.get(i).image().rgb(), "image " + i);
    }
  }

  @Test
  void negativePromptMattersOnlyWithGuidance() {
    byte[] plain = run(base().guidance(1).negativePrompt("").build()).get(0).image().rgb();
    byte[] withNeg =
        run(base().guidance(1).negativePrompt("blue cat").build()).get(0).image().rgb();
    assertArrayEquals(plain, withNeg, "at scale 1 the unconditional pass is skipped");
    byte[] g1 = run(base().guidance(4).negativePrompt("").build()).get(0).image().rgb();
    byte[] g2 = run(base().guidance(4).negativePrompt("blue cat").build()).get(0).image().rgb();
    assertFalse(Arrays.equals(g1, g2), "at scale 4 the negative prompt replaces the empty one");
  }

  @ParameterizedTest
  @EnumSource(Sampler.class)
  void everySamplerStreamsEveryStepWithPreviews(Sampler kind) {
    List<StepEvent> events = new ArrayList<>();
    GenerationRequest r = base().sampler(kind).steps(5).batch(2).build();
    GenerationResult result =
        pipeline.run(
            r,
            new GenerationListener() {
              @Override
              public void step(StepEvent e) {
                events.add(e);
              }
            },
            new CancellationToken());
    assertEquals(10, events.size());
    for (int i = 0; i < events.size(); i++) {
      StepEvent e = events.get(i);
      assertEquals(i / 5, e.imageIndex());
      assertEquals(i % 5, e.step());
      assertEquals(5, e.totalSteps());
      assertNotNull(e.preview(), "a preview at every step");
      int own = model.unetConfig().sampleSize() * model.info().vaeFactor();
      assertEquals(
          own, e.preview().width(), "previews come at the output size, not the latent size");
      assertEquals(own, e.preview().height());
      assertTrue(Float.isFinite(e.predictedImage().data()[0]));
    }
    assertEquals(0.0, events.get(9).eta().toMillis(), 0.0, "nothing left after the last step");
    assertEquals(2, result.images().size());
  }

  @Test
  void fullPreviewDecodesEveryStepAndEndsOnTheSavedImage() {
    List<StepEvent> events = new ArrayList<>();
    GenerationRequest r = base().steps(3).previewMethod(PreviewMethod.FULL).build();
    GenerationResult result =
        pipeline.run(
            r,
            new GenerationListener() {
              @Override
              public void step(StepEvent e) {
                events.add(e);
              }
            },
            new CancellationToken());
    int own = model.unetConfig().sampleSize() * model.info().vaeFactor();
    for (StepEvent e : events) {
      assertEquals(PreviewMethod.FULL, e.frames().madeBy(), "step " + e.step());
      assertEquals(own, e.preview().width());
      float[] x0 = e.predictedImage().data();
      RgbImage decoded = RgbImage.fromChw(model.decodeToPixels(x0, 1, 8, 8), own, own);
      if (e.step() < 2) {
        assertArrayEquals(decoded.rgb(), e.preview().rgb(), "step " + e.step() + " is x0 decoded");
        assertFalse(e.frames().isFinalImage());
      }
    }
    StepEvent last = events.get(2);
    assertTrue(last.frames().isFinalImage());
    assertArrayEquals(
        result.images().get(0).image().rgb(),
        last.preview().rgb(),
        "the last frame is the saved image");
  }

  @Test
  void offMakesNoFramesButTheImage() {
    List<StepEvent> events = new ArrayList<>();
    GenerationResult result =
        pipeline.run(
            base().steps(2).previewMethod(PreviewMethod.OFF).build(),
            new GenerationListener() {
              @Override
              public void step(StepEvent e) {
                events.add(e);
              }
            },
            new CancellationToken());
    assertEquals(2, events.size());
    events.forEach(e -> assertEquals(null, e.frames()));
    assertEquals(1, result.images().size());
  }

  @Test
  void tinyWithoutAPreviewDecoderFallsBackToAutoWithANotice() {
    List<String> heard = new ArrayList<>();
    List<StepEvent> events = new ArrayList<>();
    GenerationResult result =
        pipeline.run(
            base().steps(3).previewMethod(PreviewMethod.TINY).build(),
            new GenerationListener() {
              @Override
              public void notice(String sentence) {
                heard.add(sentence);
              }

              @Override
              public void step(StepEvent e) {
                events.add(e);
              }
            },
            new CancellationToken());
    assertEquals(1, heard.size(), heard.toString());
    assertTrue(heard.get(0).contains("no preview decoder"), heard.get(0));
    assertTrue(result.notices().contains(heard.get(0)));
    assertEquals(
        PreviewMethod.FULL,
        events.get(0).frames().madeBy(),
        "Auto decodes the first step fully to time it");
  }

  @Test
  void theListenerDecidesWhichSourceIsDecoded() {
    List<StepEvent> events = new ArrayList<>();
    pipeline.run(
        base().steps(3).previewMethod(PreviewMethod.FULL).build(),
        new GenerationListener() {
          @Override
          public PreviewSource previewSource() {
            return events.size() == 1 ? PreviewSource.NOISY_LATENT : PreviewSource.PREDICTED_NOISE;
          }

          @Override
          public void step(StepEvent e) {
            events.add(e);
          }
        },
        new CancellationToken());
    assertEquals(PreviewSource.PREDICTED_NOISE, events.get(0).frames().watched());
    assertEquals(PreviewSource.NOISY_LATENT, events.get(1).frames().watched());
    StepEvent e = events.get(1);
    int own = e.preview().width();
    RgbImage xt = RgbImage.fromChw(model.decodeToPixels(e.noisyLatent().data(), 1, 8, 8), own, own);
    assertArrayEquals(xt.rgb(), e.preview().rgb(), "the watched x_t is decoded");
    RgbImage cheapX0 = model.preview().project(e.predictedImage(), 0).scaledSmooth(own, own);
    assertArrayEquals(
        cheapX0.rgb(),
        e.frames().of(PreviewSource.PREDICTED_IMAGE).rgb(),
        "the others are cheap, upscaled");
  }

  @Test
  void cancelStopsWithinAStep() {
    CancellationToken token = new CancellationToken();
    List<Integer> steps = new ArrayList<>();
    assertThrows(
        CancellationToken.CancelledException.class,
        () ->
            pipeline.run(
                base().steps(20).build(),
                new GenerationListener() {
                  @Override
                  public void step(StepEvent e) {
                    steps.add(e.step());
                    if (e.step() == 2) {
                      token.cancel();
                    }
                  }
                },
                token));
    assertEquals(List.of(0, 1, 2), steps);
  }

  @Test
  void nativeMemoryStaysFlatAcrossJobs() {
    run(base().steps(3).build());
    int before = model.liveArrays();
    for (int i = 0; i < 5; i++) {
      run(base().steps(20).seed(i).build());
    }
    assertEquals(before, model.liveArrays(), "arrays leaked into the model's manager");
  }

  @Tag("hostile")
  @Test
  void badSizesAndStepsAreRefusedWithASentence() {
    EngineException e =
        assertThrows(EngineException.class, () -> pipeline.validate(base().size(30, 32).build()));
    assertTrue(e.getMessage().contains("multiple of " + model.info().vaeFactor()), e.getMessage());
    e = assertThrows(EngineException.class, () -> pipeline.validate(base().steps(1001).build()));
    assertTrue(e.getMessage().contains("1001"), e.getMessage());
    e = assertThrows(EngineException.class, () -> base().guidance(Double.NaN).build());
    assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    e = assertThrows(EngineException.class, () -> base().steps(0).build());
    assertTrue(e.getMessage().contains("0"), e.getMessage());
  }

  @Test
  void sizeTooLargeForMemoryIsRefusedBeforeAllocating() {
    String old = System.getProperty("stepwise.memory.available");
    System.setProperty("stepwise.memory.available", Long.toString(64L << 20));
    try {
      EngineException e =
          assertThrows(
              EngineException.class, () -> pipeline.validate(base().size(4096, 4096).build()));
      assertTrue(e.getMessage().contains("4096x4096"), e.getMessage());
    } finally {
      if (old == null) {
        System.clearProperty("stepwise.memory.available");
      } else {
        System.setProperty("stepwise.memory.available", old);
      }
    }
  }

  @Test
  void emptyPromptIsUnconditionalAndLongPromptIsTruncatedWithANotice() {
    assertEquals(
        1,
        pipeline
            .run(base().prompt("").build(), new GenerationListener() {}, new CancellationToken())
            .images()
            .size());
    String longPrompt = String.join(" ", java.util.Collections.nCopies(100, "red"));
    GenerationResult r =
        pipeline.run(
            base().prompt(longPrompt).build(),
            new GenerationListener() {},
            new CancellationToken());
    assertTrue(
        r.notices().stream().anyMatch(n -> n.contains("longer than")), r.notices().toString());
    GenerationResult u =
        pipeline.run(
            base().prompt("a zyzzyva heart").build(),
            new GenerationListener() {},
            new CancellationToken());
    assertTrue(u.notices().stream().anyMatch(n -> n.contains("zyzzyva")), u.notices().toString());
  }

  @Tag("hostile")
  @Test
  void overflowingNumbersFailTheImageInsteadOfSavingABlackOne() {
    List<GeneratedImage> images = new ArrayList<>();
    // Guidance stays within 0-30, so the overflow comes from starting noise at float's limit.
    int side = model.unetConfig().sampleSize();
    float[] huge = new float[model.latentChannels() * side * side]; // [1, C, h, w]
    java.util.Arrays.fill(huge, Float.MAX_VALUE);
    EngineException e =
        assertThrows(
            EngineException.class,
            () ->
                pipeline.run(
                    base().guidance(30).steps(3).build(),
                    new GenerationListener() {
                      @Override
                      public void image(GeneratedImage g) {
                        images.add(g);
                      }
                    },
                    new CancellationToken(),
                    new Latents(huge, 1, model.latentChannels(), side, side)));
    assertTrue(
        e.getMessage().contains("overflowed") && e.getMessage().contains("seed 7"), e.getMessage());
    assertTrue(images.isEmpty(), "no image reached the listener");
  }
}
