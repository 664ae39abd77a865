package dev.stepwise.engine.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.recipe.ResizeMode;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link PilResample} and {@link Fitting} against Pillow itself (make_pil_reference.py next to
 * pil_reference.json.gz, Pillow 9.4): Lanczos and bicubic resizes up and down, a zero-height box,
 * AUTOMATIC1111's three resize modes and its Extras upscale (Lanczos, Nearest), byte for byte.
 */
class PilResampleTest {

  static List<JsonObject> cases() throws Exception {
    try (InputStream in =
        new GZIPInputStream(PilResampleTest.class.getResourceAsStream("pil_reference.json.gz"))) {
      JsonObject root =
          JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8))
              .getAsJsonObject();
      List<JsonObject> out = new ArrayList<>();
      for (JsonElement e : root.getAsJsonArray("cases")) {
        out.add(e.getAsJsonObject());
      }
      assertEquals(42, out.size());
      return out;
    }
  }

  /** The script's source: (37 x + 91 y + 53 c + 7 x y) mod 256, [h, w, c]. */
  static byte[] source(int w, int h, int channels) {
    byte[] px = new byte[w * h * channels];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int c = 0; c < channels; c++) {
          px[(y * w + x) * channels + c] = (byte) ((37 * x + 91 * y + 53 * c + 7 * x * y) % 256);
        }
      }
    }
    return px;
  }

  @ParameterizedTest
  @MethodSource("cases")
  void matchesPillow(JsonObject c) {
    int w = c.get("w").getAsInt();
    int h = c.get("h").getAsInt();
    int ch = c.get("c").getAsInt();
    int ow = c.get("ow").getAsInt();
    int oh = c.get("oh").getAsInt();
    byte[] src = source(w, h, ch);
    byte[] got;
    String what;
    if (c.get("kind").getAsString().equals("resize")) {
      PilResample.Filter f =
          c.get("filter").getAsString().equals("lanczos")
              ? PilResample.Filter.LANCZOS
              : PilResample.Filter.BICUBIC;
      got = PilResample.resize(src, w, h, ch, ow, oh, f);
      what = f + " " + w + "x" + h + " -> " + ow + "x" + oh;
    } else if (c.get("kind").getAsString().equals("upscale")) {
      double scale = c.get("scale").getAsDouble();
      Fitting.Upscaler u =
          c.get("upscaler").getAsString().equals("nearest")
              ? Fitting.Upscaler.NEAREST
              : Fitting.Upscaler.LANCZOS;
      dev.stepwise.engine.RgbImage big =
          Fitting.upscale(new dev.stepwise.engine.RgbImage(w, h, src), scale, u);
      assertEquals(ow + "x" + oh, big.width() + "x" + big.height());
      got = big.rgb();
      what = u + " x" + scale + " " + w + "x" + h;
    } else {
      ResizeMode mode =
          switch (c.get("mode").getAsInt()) {
            case 0 -> ResizeMode.STRETCH;
            case 1 -> ResizeMode.FILL;
            default -> ResizeMode.FIT;
          };
      got = Fitting.fit(src, w, h, ch, mode, ow, oh);
      what = mode + " " + w + "x" + h + " -> " + ow + "x" + oh;
    }
    byte[] want = Base64.getDecoder().decode(c.get("out").getAsString());
    assertArrayEquals(want, got, what);
  }

  @Test
  void theSameSizeIsACopy() {
    byte[] src = source(7, 5, 3);
    byte[] out = PilResample.resize(src, 7, 5, 3, 7, 5, PilResample.Filter.LANCZOS);
    assertArrayEquals(src, out);
    out[0] = 1;
    assertEquals(source(7, 5, 3)[0], src[0]);
  }
}
