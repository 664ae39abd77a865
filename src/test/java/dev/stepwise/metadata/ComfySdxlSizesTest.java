package dev.stepwise.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * ComfyUI's CLIPTextEncodeSDXL size conditioning (width, height, crop_w, crop_h, target_width,
 * target_height) becomes Stepwise's keys, each only where it differs from the image's size.
 */
class ComfySdxlSizesTest {
  private static String graph(String positive) {
    return ("{'3': {'class_type': 'KSampler', 'inputs': {'seed': 2, 'steps': 20, 'cfg': 7.0,"
            + " 'sampler_name': 'euler', 'scheduler': 'normal', 'denoise': 1.0, 'positive':"
            + " ['6', 0], 'negative': ['7', 0], 'latent_image': ['5', 0]}}, '5': {'class_type':"
            + " 'EmptyLatentImage', 'inputs': {'width': 1024, 'height': 768, 'batch_size': 1}},"
            + " '6': {'class_type': 'CLIPTextEncodeSDXL', 'inputs': {"
            + positive
            + ", 'text_g': 'a fox', 'text_l': 'a fox', 'clip': ['4', 1]}}, '7': {'class_type':"
            + " 'CLIPTextEncodeSDXL', 'inputs': {'width': 512, 'height': 512, 'crop_w': 0,"
            + " 'crop_h': 0, 'target_width': 512, 'target_height': 512, 'text_g': 'blur',"
            + " 'text_l': 'blur', 'clip': ['4', 1]}}}")
        .replace('\'', '"');
  }

  @Test
  void thePositiveEncodersSizesAreKeptWhereTheyDiffer() {
    ParametersRead r =
        ForeignParameters.read(
            Map.of(
                "prompt",
                graph(
                    "'width': 2048, 'height': 1536, 'crop_w': 0, 'crop_h': 64, 'target_width':"
                        + " 1024, 'target_height': 768")));
    Map<String, String> extras = r.parameters().extras();
    assertEquals("2048x1536", extras.get("Original size"));
    assertEquals("0,64", extras.get("Crop top-left"));
    assertFalse(extras.containsKey("Target size"), "the image's own size: " + extras);
  }

  @Test
  void defaultsOrLinkedValuesWriteNoKeys() {
    Map<String, String> plain =
        ForeignParameters.read(
                Map.of(
                    "prompt",
                    graph(
                        "'width': 1024, 'height': 768, 'crop_w': 0, 'crop_h': 0, 'target_width':"
                            + " 1024, 'target_height': 768")))
            .parameters()
            .extras();
    assertFalse(
        plain.containsKey("Original size") || plain.containsKey("Crop top-left"), "" + plain);
    Map<String, String> linked =
        ForeignParameters.read(
                Map.of(
                    "prompt",
                    graph(
                        "'width': ['9', 0], 'height': 1536, 'crop_w': 0, 'crop_h': 0,"
                            + " 'target_width': 1024, 'target_height': 768")))
            .parameters()
            .extras();
    assertFalse(linked.containsKey("Original size"), "" + linked);
  }
}
