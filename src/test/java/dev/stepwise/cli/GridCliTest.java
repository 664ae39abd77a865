package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.metadata.InfoText;
import dev.stepwise.metadata.PngText;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code generate --grid}: A1111's X/Y plot on the tiny pack. */
class GridCliTest {
  @TempDir Path dir;

  @Test
  void aFourByTwoGridsCellsAreSingleRunsWithTheirRecipes() throws Exception {
    Path out = dir.resolve("g.png");
    CliTest.Run r =
        VariationCliTest.generate(
            out, "--seed", "42", "--grid", "guidance=1,3,5,7.5", "--grid", "sampler=ddim,euler");
    assertEquals(0, r.code(), r.err());
    BufferedImage grid = ImageIO.read(out.toFile());
    String[] guidance = {"1", "3", "5", "7.5"};
    for (int i = 0; i < 8; i++) {
      Path cell = dir.resolve("g-cell-" + i + ".png");
      String text = PngText.read(cell).get("parameters");
      assertTrue(
          text.contains(
              (i < 4 ? "DDIM" : "Euler") + ", CFG scale: " + guidance[i % 4] + ", Seed: 42,"),
          text);
      Path single = dir.resolve(i + ".png");
      VariationCliTest.generate(
          single,
          "--seed",
          "42",
          "--guidance",
          guidance[i % 4],
          "--sampler",
          i < 4 ? "ddim" : "euler");
      int[] pixels = VariationCliTest.pixels(cell);
      assertArrayEquals(
          VariationCliTest.pixels(single), pixels, "cell " + i + " is its single run");
      int x = grid.getWidth() - 32 * (4 - i % 4); // X across, Y down, labels above and left
      assertArrayEquals(
          pixels, grid.getRGB(x, grid.getHeight() - 32 * (2 - i / 4), 32, 32, null, 0, 32));
    }
    assertTrue(grid.getRGB(0, 0) == -1 && grid.getWidth() > 128, "white margins for the labels");
    String text = PngText.read(out).get("parameters");
    assertTrue(
        text.contains(
            "CFG scale: 1, Seed: 42, Size: 32x32, Model hash: a19c9d3991, Model: tiny-sd, Script:"
                + " X/Y/Z plot, X Type: CFG Scale, X Values: \"1,3,5,7.5\", Y Type: Sampler, Y"
                + " Values: \"DDIM,Euler\", Version: "),
        text);
  }

  @Test
  void promptAndSeedAxesIntoTheLibraryAndBadAxesExitTwo() throws Exception {
    Path lib = dir.resolve("lib");
    CliTest.Run r =
        VariationCliTest.generate(
            dir.resolve("x.png"),
            "--grid",
            "prompt=red,\"green, shiny\"",
            "--grid",
            "seed=1,2,3",
            "--json");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("\"images\":7"), r.out());
    List<String> made = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      var p = InfoText.parse(PngText.read(dir.resolve("x-cell-" + i + ".png")).get("parameters"));
      made.add(p.prompt() + " " + p.seed());
    }
    assertEquals(
        List.of("a red heart emoji 1", "a green, shiny heart emoji 1", "a red heart emoji 2"),
        made.subList(0, 3));
    assertEquals(
        0,
        CliTest.cli(
                "generate",
                "--model",
                "" + dev.stepwise.engine.TestPacks.tinySd(),
                "--prompt",
                "a",
                "--steps",
                "1",
                "--grid",
                "seed=1,2",
                "--library",
                "" + lib,
                "-q")
            .code());
    try (var files = Files.list(lib)) {
      assertEquals(
          3, files.filter(f -> f.toString().endsWith(".png")).count(), "two cells and the grid");
    }
    for (String bad : List.of("prompt=cat,dog", "guidance=40")) {
      CliTest.Run refused = VariationCliTest.generate(dir.resolve("y.png"), "--grid", bad);
      assertTrue(
          refused.code() == 2 && refused.err().startsWith("stepwise: The grid's "), refused.err());
    }
    assertEquals(
        "stepwise: --grid makes one image per cell; leave out --batch and --frames.",
        VariationCliTest.generate(dir.resolve("y.png"), "--grid", "seed=1", "--batch", "2")
            .err()
            .strip());
  }
}
