package dev.stepwise.app.explain;

import dev.stepwise.app.timeline.FrameScaler;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.explain.ForwardProcess;
import dev.stepwise.engine.explain.ScheduleCurves;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyLongProperty;
import javafx.beans.property.ReadOnlyLongWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.value.ObservableValue;

/**
 * The explain view's forward-process explorer: it owns the clean image x_0, the training timestep
 * t, the fixed noise sample and what they give, x_t in pixel space (at t and along {@link
 * ExplainViewModel#STRIP_TIMESTEPS}) and, in latent mode, x_t noised in the pack's latent space.
 *
 * <p>Used on the FX thread. Pixel-space noising is cheap and runs on the calling thread; every
 * autoencoder call runs on the background thread of its {@link LatentWorker}. It reads the schedule
 * from {@link ExplainViewModel}, which owns it, tells it about a new pack or schedule and exposes
 * its properties.
 */
final class ForwardExplorer {
  private static final String LATENT_OFF =
      "Latent space is off; switch it on to run the autoencoder.";

  private final ObjectProperty<RgbImage> sourceImage = new SimpleObjectProperty<>();
  private final IntegerProperty timestep = new SimpleIntegerProperty(250);
  private final ReadOnlyLongWrapper noiseSeed = new ReadOnlyLongWrapper(42);
  private final ReadOnlyObjectWrapper<RgbImage> pixelNoised = new ReadOnlyObjectWrapper<>();
  private final ReadOnlyObjectWrapper<List<RgbImage>> pixelStrip =
      new ReadOnlyObjectWrapper<>(List.of());
  private final ReadOnlyStringWrapper caption = new ReadOnlyStringWrapper("");
  private final BooleanProperty latentEnabled = new SimpleBooleanProperty(false);
  private final ReadOnlyObjectWrapper<RgbImage> latentDecoded = new ReadOnlyObjectWrapper<>();
  private final ReadOnlyObjectWrapper<RgbImage> latentView = new ReadOnlyObjectWrapper<>();
  private final ReadOnlyBooleanWrapper busy = new ReadOnlyBooleanWrapper(false);
  private final ReadOnlyStringWrapper latentStatus = new ReadOnlyStringWrapper(LATENT_OFF);
  private final ReadOnlyObjectWrapper<RgbImage> offered = new ReadOnlyObjectWrapper<>();
  private boolean userChose; // an opened file stays until the user picks the offered image

  private final ObservableValue<ScheduleCurves> curves;
  private final Consumer<String> imageMessages;
  private final LatentWorker worker;
  private Path packDir;
  private RgbImage pixelSource; // the source scaled to PIXEL_SIZE
  private float[] pixelX0; // [3, H, W] in [-1, 1]
  private float[] pixelEps; // [3, H, W]
  private long latestRequest;

  /**
   * Creates the explorer on a drawn sample image.
   *
   * @param curves the schedule in use, read (never written) whenever x_t is computed
   * @param imageMessages receives the outcome of {@link #loadImage}: empty, or why it failed
   */
  ForwardExplorer(
      Executor background,
      Executor ui,
      ObservableValue<ScheduleCurves> curves,
      Consumer<String> imageMessages) {
    this.curves = curves;
    this.imageMessages = imageMessages;
    worker = new LatentWorker(background, ui);
    sourceImage.addListener((o, a, b) -> sourceChanged());
    timestep.addListener(
        (o, a, b) -> {
          int t = clampT(b.intValue());
          if (t != b.intValue()) {
            timestep.set(t);
            return;
          }
          refreshPixel();
          requestLatent();
        });
    latentEnabled.addListener(
        (o, a, b) -> {
          if (b) {
            requestLatent();
          } else {
            latentDecoded.set(null);
            latentView.set(null);
            latentStatus.set(LATENT_OFF);
          }
        });
    sourceImage.set(SampleImage.create(ExplainViewModel.PIXEL_SIZE));
  }

  /**
   * Switches to the pack in {@code dir}: when it is another one, closes the loaded autoencoder and
   * clears the latent images (the new one loads when latent mode next needs it).
   */
  void setPack(Path dir) {
    if (!Objects.equals(packDir, dir)) {
      packDir = dir;
      worker.closeModel();
      latentDecoded.set(null);
      latentView.set(null);
    }
  }

  /** Recomputes everything after a new schedule (t is clamped to its length). */
  void scheduleChanged() {
    timestep.set(clampT(timestep.get()));
    refreshPixel();
    refreshStrip();
    requestLatent();
  }

  /** Draws a new noise sample (a new fixed seed). */
  void newNoise() {
    noiseSeed.set(noiseSeed.get() + 1);
    pixelEps = null;
    refreshPixel();
    refreshStrip();
    requestLatent();
  }

  /** Loads an image file as x_0 on the background thread (the user's choice: it stays). */
  void loadImage(Path file) {
    worker.run(
        () -> ImageFiles.read(file),
        img -> {
          imageMessages.accept("");
          userChose = true;
          sourceImage.set(img);
        },
        imageMessages);
  }

  /**
   * Offers {@code image} (the studio's newest picture): it becomes x_0 unless the user opened a
   * file, and {@link #useOffered} brings it back in any case.
   */
  void offer(RgbImage image) {
    if (image == null) {
      return;
    }
    offered.set(image);
    if (!userChose) {
      sourceImage.set(image);
    }
  }

  /**
   * Offers the image in {@code file} (the library's newest, at start) unless an image was offered
   * or opened meanwhile; a file that cannot be read is skipped silently.
   */
  void offerFile(Path file) {
    worker.run(
        () -> ImageFiles.read(file),
        img -> {
          if (offered.get() == null) {
            offer(img);
          }
        },
        error -> {});
  }

  /** Makes the offered image x_0 again (after an opened file). */
  void useOffered() {
    if (offered.get() != null) {
      userChose = false;
      sourceImage.set(offered.get());
    }
  }

  /** The studio's newest picture, or null before any. */
  ReadOnlyObjectProperty<RgbImage> offeredProperty() {
    return offered.getReadOnlyProperty();
  }

  /** Closes the autoencoder (on the background thread, after work already queued). */
  void closeModel() {
    worker.closeModel();
  }

  private int clampT(int t) {
    return Math.max(0, Math.min(curves.getValue().size() - 1, t));
  }

  private void sourceChanged() {
    RgbImage src = sourceImage.get();
    if (src == null) {
      return;
    }
    int[] wh = FrameScaler.fitLongSide(src.width(), src.height(), ExplainViewModel.PIXEL_SIZE);
    pixelSource = FrameScaler.scale(src, wh[0], wh[1], true);
    pixelX0 = ForwardProcess.toSigned(pixelSource);
    pixelEps = null;
    refreshPixel();
    refreshStrip();
    requestLatent();
  }

  private float[] eps() {
    if (pixelEps == null || pixelEps.length != pixelX0.length) {
      pixelEps = ForwardProcess.noise(noiseSeed.get(), pixelX0.length); // [3, H, W]
    }
    return pixelEps;
  }

  private void refreshPixel() {
    if (pixelX0 == null) {
      return;
    }
    int t = timestep.get();
    double abar = curves.getValue().alphaBar(t);
    pixelNoised.set(
        ForwardProcess.noisedRgb(pixelX0, eps(), abar, pixelSource.width(), pixelSource.height()));
    caption.set(
        String.format(
            Locale.ROOT,
            "t = %d:  ᾱ_t = %.4f,  √ᾱ_t = %.3f (signal),  √(1 − ᾱ_t) = %.3f (noise),  SNR = %.3g",
            t,
            abar,
            Math.sqrt(abar),
            Math.sqrt(1 - abar),
            abar / (1 - abar)));
  }

  private void refreshStrip() {
    if (pixelX0 == null) {
      return;
    }
    ScheduleCurves c = curves.getValue();
    List<RgbImage> out = new ArrayList<>();
    for (int t : ExplainViewModel.STRIP_TIMESTEPS) {
      int tt = Math.min(t, c.size() - 1);
      out.add(
          ForwardProcess.noisedRgb(
              pixelX0, eps(), c.alphaBar(tt), pixelSource.width(), pixelSource.height()));
    }
    pixelStrip.set(List.copyOf(out));
  }

  private void requestLatent() {
    if (!latentEnabled.get() || sourceImage.get() == null) {
      return;
    }
    if (packDir == null) {
      latentStatus.set("No model is loaded yet; choose a model to explore its latent space.");
      return;
    }
    long id = ++latestRequest;
    LatentWorker.Request r =
        new LatentWorker.Request(
            packDir,
            sourceImage.get(),
            curves.getValue().alphaBar(timestep.get()),
            noiseSeed.get());
    busy.set(true);
    if (!worker.isLoaded(packDir)) {
      latentStatus.set("Loading the model's autoencoder…");
    }
    worker.submit(
        r,
        result -> {
          if (id != latestRequest) {
            return; // a newer request is on its way
          }
          busy.set(false);
          latentDecoded.set(result.decoded());
          latentView.set(result.latentView());
          latentStatus.set(result.caption());
        },
        error -> {
          if (id != latestRequest) {
            return;
          }
          busy.set(false);
          latentStatus.set(error);
        });
  }

  /** The clean image x_0 (any size; a drawn sample until the studio offers a picture). */
  ObjectProperty<RgbImage> sourceImageProperty() {
    return sourceImage;
  }

  /** The training timestep t, clamped to [0, T-1]. */
  IntegerProperty timestepProperty() {
    return timestep;
  }

  /** The seed of the noise eps. */
  ReadOnlyLongProperty noiseSeedProperty() {
    return noiseSeed.getReadOnlyProperty();
  }

  /** x_t in pixel space at t. */
  ReadOnlyObjectProperty<RgbImage> pixelNoisedProperty() {
    return pixelNoised.getReadOnlyProperty();
  }

  /** x_t in pixel space at {@link ExplainViewModel#STRIP_TIMESTEPS}. */
  ReadOnlyObjectProperty<List<RgbImage>> pixelStripProperty() {
    return pixelStrip.getReadOnlyProperty();
  }

  /** t, abar, signal and noise weights and SNR in one line. */
  ReadOnlyStringProperty captionProperty() {
    return caption.getReadOnlyProperty();
  }

  /** Whether the explorer also works in the pack's latent space. */
  BooleanProperty latentEnabledProperty() {
    return latentEnabled;
  }

  /** decode(sqrt(abar) z_0 + sqrt(1 - abar) eps), z_0 = encode(x_0). */
  ReadOnlyObjectProperty<RgbImage> latentDecodedProperty() {
    return latentDecoded.getReadOnlyProperty();
  }

  /** The noisy latent itself, at latent resolution, through the preview projection. */
  ReadOnlyObjectProperty<RgbImage> latentViewProperty() {
    return latentView.getReadOnlyProperty();
  }

  /** Whether autoencoder work is pending. */
  ReadOnlyBooleanProperty busyProperty() {
    return busy.getReadOnlyProperty();
  }

  /** What the latent explorer is doing or why it failed, one sentence. */
  ReadOnlyStringProperty latentStatusProperty() {
    return latentStatus.getReadOnlyProperty();
  }
}
