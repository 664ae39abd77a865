package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.TestPacks;
import dev.stepwise.metadata.GenerationParameters;
import dev.stepwise.metadata.InfoText;
import dev.stepwise.metadata.PngText;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code generate --grid}: A1111's X/Y/Z plot on the tiny pack. */
class GridCliTest {
  @TempDir Path dir;

  private static final String PACK = TestPacks.tinySd().toString();

  private static CliTest.Run generate(String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "generate",
                "--model",
                PACK,
                "--prompt",
                "a red heart emoji",
                "--steps",
                "3",
                "--seed",
                "42"));
    args.addAll(Arrays.asList(extra));
    return CliTest.cli(args.toArray(String[]::new));
  }

  @Test
  void aFourByTwoGridsCellsAreSingleRunsWithTheirRecipes() throws Exception {
    Path out = dir.resolve("grid.png");
    CliTest.Run r =
        generate("--grid", "guidance=1,3,5,7.5", "--grid", "sampler=ddim,euler", "--out", "" + out);
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("grid-cell-5.png (CFG Scale: 3.0, Euler; seed 42"), r.out());
    BufferedImage grid = ImageIO.read(out.toFile());
    String[] guidance = {"1", "3", "5", "7.5"};
    String[] samplers = {"ddim", "euler"};
    for (int i = 0; i < 8; i++) {
      Path cell = dir.resolve("grid-cell-" + i + ".png");
      GenerationParameters p = InfoText.parse(PngText.read(cell).get("parameters"));
      assertEquals(Double.parseDouble(guidance[i % 4]), p.guidance(), "cell " + i);
      assertEquals(i < 4 ? "DDIM" : "Euler", p.sampler(), "cell " + i);
      assertEquals(42, p.seed(), "every cell has the same seed");
      Path single = dir.resolve("single-" + i + ".png");
      CliTest.Run one =
          generate(
              "--guidance", guidance[i % 4], "--sampler", samplers[i / 4], "--out", "" + single);
      assertEquals(0, one.code(), one.err());
      int[] cellPixels = VariationCliTest.pixels(cell);
      assertArrayEquals(VariationCliTest.pixels(single), cellPixels, "cell " + i);
      // The grid holds the cell's pixels as they are: X across, Y down, labels above and left.
      int x0 = grid.getWidth() - 32 * (4 - i % 4);
      int y0 = grid.getHeight() - 32 * (2 - i / 4);
      assertArrayEquals(cellPixels, grid.getRGB(x0, y0, 32, 32, null, 0, 32), "grid cell " + i);
    }
    assertFalse(
        Arrays.equals(
            VariationCliTest.pixels(dir.resolve("grid-cell-0.png")),
            VariationCliTest.pixels(dir.resolve("grid-cell-3.png"))),
        "guidance 1 and 7.5 differ");
    assertEquals(0xFFFFFFFF, grid.getRGB(0, 0), "a white margin for the labels");
    assertTrue(grid.getHeight() > 64 && grid.getWidth() > 128, "margins above and to the left");
    String text = PngText.read(out).get("parameters");
    assertTrue(
        text.endsWith(
            "Seed: 42, Size: 32x32, Model hash: 88a90ee178, Model: tiny-sd, Script: X/Y/Z plot, X"
                + " Type: CFG Scale, X Values: \"1,3,5,7.5\", Y Type: Sampler, Y Values:"
                + " \"DDIM,Euler\", Version: "
                + InfoText.parse(text).version()),
        text);
    assertTrue(text.contains("CFG scale: 1,"), "the grid's recipe is its first cell's: " + text);
    assertTrue(PngText.read(out).get("stepwise").contains("\"X Type\":\"CFG Scale\""));
  }

  @Test
  void promptSearchReplaceAndSeedAxesGoIntoTheLibrary() throws Exception {
    Path lib = dir.resolve("lib");
    CliTest.Run r =
        generate(
            "--grid",
            "prompt=red,blue,\"green, shiny\"",
            "--grid",
            "seed=1,2",
            "--library",
            "" + lib,
            "--json",
            "-q");
    assertEquals(0, r.code(), r.err());
    List<String> prompts = new ArrayList<>();
    List<Long> seeds = new ArrayList<>();
    try (Stream<Path> files = Files.list(lib)) {
      for (Path f : files.filter(f -> f.toString().endsWith(".png")).sorted().toList()) {
        String text = PngText.read(f).get("parameters");
        if (!text.contains("Script: X/Y/Z plot")) {
          prompts.add(InfoText.parse(text).prompt());
          seeds.add(InfoText.parse(text).seed());
        }
      }
    }
    assertEquals(6, prompts.size(), "six cells and the grid: " + r.out());
    assertTrue(prompts.containsAll(List.of("a blue heart emoji", "a green, shiny heart emoji")));
    assertEquals(3, seeds.stream().filter(s -> s == 2).count());
    assertTrue(r.out().contains("\"images\":7"), r.out());
  }

  @Test
  void badAxesAreOneSentenceAndExitTwo() {
    String[][] cases = {
      {
        "prompt=green,blue",
        "The grid's prompt values replace their first value, \"green\", which"
            + " is in neither the prompt nor the negative prompt."
      },
      {"guidance=1,abc", "The grid's guidance values must be numbers from 0 to 30, got \"abc\"."},
      {
        "colour=1,2",
        "A grid axis is one of guidance, steps, sampler, seed or prompt, got" + " \"colour\"."
      },
      {"steps=0", "The grid's steps values must be whole numbers from 1 to 10000, got \"0\"."},
      {
        "sampler=ddim,plms",
        "The grid's sampler values must be ddpm, ddim, euler, euler_a or"
            + " dpmpp_2m, got \"plms\"."
      },
      {
        "guidance",
        "A grid axis is written NAME=VALUE,VALUE,... such as guidance=1,3,5,7.5, got"
            + " \"guidance\"."
      },
    };
    for (String[] c : cases) {
      CliTest.Run r = generate("--grid", c[0], "--out", dir.resolve("x.png").toString());
      assertEquals(2, r.code(), c[0]);
      assertEquals("stepwise: " + c[1], r.err().strip());
    }
    CliTest.Run three = generate("--grid", "steps=1", "--grid", "seed=1", "--grid", "guidance=2");
    assertEquals(2, three.code());
    assertEquals(
        "stepwise: A grid has one or two axes (X across, Y down), got 3.", three.err().strip());
    CliTest.Run twice = generate("--grid", "steps=1,2", "--grid", "steps=3");
    assertEquals(
        "stepwise: The grid has two steps axes; give each setting once.", twice.err().strip());
    CliTest.Run batch = generate("--grid", "steps=1,2", "--batch", "2");
    assertEquals(
        "stepwise: --grid makes one image per cell, so --batch must be 1, got 2.",
        batch.err().strip());
    assertFalse(Files.exists(dir.resolve("x.png")));
  }
}
