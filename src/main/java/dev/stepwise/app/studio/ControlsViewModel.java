package dev.stepwise.app.studio;

import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.service.PackFacts;
import dev.stepwise.recipe.Sampler;
import dev.stepwise.recipe.Settings;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The generation controls the user edits: prompt, negative prompt, guidance, steps, sampler,
 * Karras, size, batch and preview method. Each is a writable property the controls bind to; the
 * seed is {@link SeedViewModel}'s and the model {@link ModelViewModel}'s. Used on the UI thread.
 */
public final class ControlsViewModel {
  private final StringProperty prompt = new SimpleStringProperty("");
  private final StringProperty negativePrompt = new SimpleStringProperty("");
  private final DoubleProperty guidance = new SimpleDoubleProperty(Settings.DEFAULT_GUIDANCE);
  private final IntegerProperty steps = new SimpleIntegerProperty(Settings.DEFAULT_STEPS);
  private final ObjectProperty<Sampler> sampler = new SimpleObjectProperty<>(Sampler.DDIM);
  private final BooleanProperty karras = new SimpleBooleanProperty();
  private final IntegerProperty width = new SimpleIntegerProperty();
  private final IntegerProperty height = new SimpleIntegerProperty();
  private final IntegerProperty batch = new SimpleIntegerProperty(1);
  private final IntegerProperty clipSkip = new SimpleIntegerProperty(Settings.MIN_CLIP_SKIP);
  private final StringProperty vae = new SimpleStringProperty("");
  private final ObjectProperty<PreviewMethod> previewMethod =
      new SimpleObjectProperty<>(PreviewMethod.AUTO);
  private final IntegerProperty nativeSize = new SimpleIntegerProperty();
  private final BooleanProperty byArea = new SimpleBooleanProperty(); // SDXL's aspect buckets
  private final ReadOnlyStringWrapper sizeWarning = new ReadOnlyStringWrapper("");
  private final ObservableList<SizePreset> sizePresets = FXCollections.observableArrayList();
  private final ObservableList<SizePreset> sizePresetsView =
      FXCollections.unmodifiableObservableList(sizePresets);

  ControlsViewModel() {
    // Karras sigmas exist only for the sigma-space samplers: another sampler runs without them.
    sampler.addListener(
        (o, a, b) -> {
          if (b != null && !b.takesKarras()) {
            karras.set(false);
          }
        });
    Runnable size =
        () -> {
          String w = SizeAdvice.warning(width.get(), height.get(), nativeSize.get(), byArea.get());
          sizeWarning.set(w == null ? "" : w);
        };
    width.addListener((o, a, b) -> size.run());
    height.addListener((o, a, b) -> size.run());
    nativeSize.addListener((o, a, b) -> size.run());
    byArea.addListener((o, a, b) -> size.run());
  }

  /** Sets every control from {@code s} (seed and model aside). */
  void apply(GenerationSettings s) {
    prompt.set(s.prompt());
    negativePrompt.set(s.negativePrompt());
    guidance.set(s.guidance());
    steps.set(s.steps());
    sampler.set(s.sampler());
    karras.set(s.karras() && s.sampler().takesKarras());
    width.set(s.width());
    height.set(s.height());
    batch.set(s.batch());
    previewMethod.set(s.previewMethod());
    clipSkip.set(s.clipSkip());
    vae.set(s.vae());
  }

  /**
   * Fits the size to a model that was just read: a side that is unset or not a multiple of the
   * model's size step becomes the model's own size.
   */
  /** Whether the model is SDXL (sizes compared by area; the SDXL size conditioning shown). */
  public javafx.beans.property.ReadOnlyBooleanProperty sdxlProperty() {
    return byArea;
  }

  void fitSize(PackFacts facts) {
    byArea.set(facts.sdxl());
    nativeSize.set(facts.nativeSize());
    sizePresets.setAll(SizePreset.of(facts));
    int step = facts.sizeStep();
    if (width.get() <= 0 || width.get() % step != 0) {
      width.set(facts.nativeSize());
    }
    if (height.get() <= 0 || height.get() % step != 0) {
      height.set(facts.nativeSize());
    }
  }

  public StringProperty promptProperty() {
    return prompt;
  }

  public StringProperty negativePromptProperty() {
    return negativePrompt;
  }

  public DoubleProperty guidanceProperty() {
    return guidance;
  }

  public IntegerProperty stepsProperty() {
    return steps;
  }

  public ObjectProperty<Sampler> samplerProperty() {
    return sampler;
  }

  public BooleanProperty karrasProperty() {
    return karras;
  }

  public IntegerProperty widthProperty() {
    return width;
  }

  public IntegerProperty heightProperty() {
    return height;
  }

  public IntegerProperty batchProperty() {
    return batch;
  }

  /** A1111's clip skip (1 = the text encoder's last layer). */
  public IntegerProperty clipSkipProperty() {
    return clipSkip;
  }

  /** The separate autoencoder's file or folder, or "" for the model's own. */
  public StringProperty vaeProperty() {
    return vae;
  }

  /**
   * The warning for a size larger than the model's own ({@link SizeAdvice}), or empty; Generate
   * also says it in the run's notices.
   */
  public ReadOnlyStringProperty sizeWarningProperty() {
    return sizeWarning.getReadOnlyProperty();
  }

  /**
   * The sizes offered for the model last read ({@link SizePreset#of}): its own square, and SDXL's
   * five aspect sizes for an SDXL model; empty before a model is read.
   */
  public ObservableList<SizePreset> sizePresets() {
    return sizePresetsView;
  }

  /** Sets the width and height to {@code p}'s. */
  public void usePreset(SizePreset p) {
    width.set(p.width());
    height.set(p.height());
  }

  /** How the live preview is made (remembered with the other controls). */
  public ObjectProperty<PreviewMethod> previewMethodProperty() {
    return previewMethod;
  }

  /** Appends {@code text} to the prompt, after a space when the prompt does not end in one. */
  public void addToPrompt(String text) {
    String p = prompt.get() == null ? "" : prompt.get();
    prompt.set(
        p.isEmpty() || Character.isWhitespace(p.charAt(p.length() - 1))
            ? p + text
            : p + " " + text);
  }
}
