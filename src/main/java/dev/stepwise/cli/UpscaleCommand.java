package dev.stepwise.cli;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.image.Fitting;
import dev.stepwise.engine.image.ImageFiles;
import dev.stepwise.metadata.MetadataException;
import dev.stepwise.metadata.PngImage;
import dev.stepwise.metadata.PngText;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code stepwise upscale FILE...}: the upscale-only action, no diffusion: Pillow's Lanczos as
 * AUTOMATIC1111's "Extras" tab with its Lanczos or Nearest upscaler. A PNG keeps its text chunks
 * (the recipe that made it) and gains A1111's {@code postprocessing} and {@code extras} chunks,
 * e.g. {@code Postprocess upscale by: 2, Postprocess upscaler: Lanczos} (modules/postprocessing.py,
 * scripts/postprocessing_upscale.py). Output beside the input as {@code NAME-x2.png}, never over an
 * existing file unless {@code --force}; written atomically.
 */
@Command(
    name = "upscale",
    mixinStandardHelpOptions = true,
    description =
        "Enlarges images with Lanczos resampling (no diffusion; for a redrawn enlargement use"
            + " generate --hires-scale or --init-image), keeping a PNG's recipe.",
    footer = {
      "  stepwise upscale heart.png                  # heart-x2.png beside it",
      "  stepwise upscale --scale 4 --out big.png heart.png",
      "  stepwise upscale --scale 1.5 *.png"
    })
final class UpscaleCommand implements Callable<Integer> {
  /** A1111's key for the upscale factor in the postprocessing text. */
  static final String UPSCALE_BY = "Postprocess upscale by";

  @Spec CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "Images (PNG, JPEG, WebP).")
  List<Path> files;

  @Option(
      names = "--scale",
      defaultValue = "2",
      description = "Factor, 1 to 4 (default ${DEFAULT-VALUE}); each side becomes int(side x F).")
  double scale;

  @Option(
      names = "--upscaler",
      defaultValue = "lanczos",
      converter = UpscalerName.class,
      completionCandidates = UpscalerName.class,
      description =
          "lanczos (default) or nearest (keeps pixel art crisp at whole factors), as A1111's"
              + " Extras.")
  Fitting.Upscaler upscaler;

  @Option(names = "--out", description = "Output PNG (one input only).")
  Path out;

  @Option(names = "--force", description = "Replace an output file that exists.")
  boolean force;

  @Override
  public Integer call() {
    if (!(scale >= 1 && scale <= 4)) {
      throw new CliErrors.BadValue("--scale must be between 1 and 4, got " + scale + ".");
    }
    if (out != null && files.size() > 1) {
      throw new CliErrors.BadValue(
          "--out names one file, but " + files.size() + " images were given; leave it out.");
    }
    if (out != null && !out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
      throw new CliErrors.BadValue("--out must name a .png file, got " + out + ".");
    }
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    boolean failed = false;
    for (Path in : files) {
      Path target = out != null ? out : beside(in);
      try {
        upscale(in, target);
        stdout.println(target);
      } catch (EngineException | MetadataException e) {
        failed = true;
        Logging.log().info("upscale refused: {}: {}", in, e.getMessage());
        err.println("stepwise: " + Main.oneLine(e.getMessage()));
      }
    }
    stdout.flush();
    err.flush();
    return failed ? 1 : 0;
  }

  private void upscale(Path in, Path target) {
    if (Files.exists(target) && !force) {
      throw new EngineException(
          target + " exists; pass --force to replace it or --out for another name.");
    }
    RgbImage image = ImageFiles.read(in, "image").flattened();
    long w = (long) (image.width() * scale);
    long h = (long) (image.height() * scale);
    if (w * h > ImageFiles.MAX_PIXELS || Math.max(w, h) > PngImage.MAX_SIDE) {
      throw new EngineException(
          String.format(
              Locale.ROOT,
              "%s at %s would be %dx%d; Stepwise writes at most 64 megapixels and %d pixels a"
                  + " side.",
              in.getFileName(),
              factor(),
              w,
              h,
              PngImage.MAX_SIDE));
    }
    RgbImage big = Fitting.upscale(image, scale, upscaler);
    Map<String, String> text = new LinkedHashMap<>();
    if (in.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
      text.putAll(PngText.read(in)); // the recipe that made it, as A1111 keeps existing_pnginfo
    }
    String info = UPSCALE_BY + ": " + factor() + ", Postprocess upscaler: " + upscaler.a1111Name();
    text.put("postprocessing", info);
    text.put("extras", info);
    PngImage.write(target, big.width(), big.height(), big.rgb(), text);
  }

  /** Reads {@code --upscaler lanczos|nearest}; lists them for completion. */
  static final class UpscalerName implements ITypeConverter<Fitting.Upscaler>, Iterable<String> {
    @Override
    public Fitting.Upscaler convert(String value) {
      for (Fitting.Upscaler u : Fitting.Upscaler.values()) {
        if (u.name().equalsIgnoreCase(value)) {
          return u;
        }
      }
      throw new TypeConversionException(
          "--upscaler must be lanczos or nearest, got \"" + value + "\".");
    }

    @Override
    public Iterator<String> iterator() {
      return List.of("lanczos", "nearest").iterator();
    }
  }

  /** {@code heart.png} -> {@code heart-x2.png} in the same folder. */
  private Path beside(Path in) {
    String name = in.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String stem = dot > 0 ? name.substring(0, dot) : name;
    return in.resolveSibling(stem + "-x" + factor() + ".png");
  }

  /** The factor as A1111 prints it: 2, 1.5. */
  private String factor() {
    return scale == Math.rint(scale) ? Long.toString((long) scale) : Double.toString(scale);
  }
}
