package dev.stepwise.app.studio;

import dev.stepwise.Stepwise;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.pack.ModelHashes;
import dev.stepwise.engine.pack.ModelPack;
import dev.stepwise.engine.pack.ModelsFolder;
import dev.stepwise.engine.sampling.PredictionType;
import dev.stepwise.engine.service.PackFacts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The model: the models folder, the models on offer, the chosen one, its facts (read from its pack
 * on a background thread, newest choice wins) or a sentence saying why there are none, and what the
 * user chose for each model (its preview decoder; for a single-file checkpoint, what it predicts).
 * Used on the UI thread.
 */
public final class ModelViewModel {
  private final Executor ui;
  private final Executor background;
  private final ControlsViewModel controls;
  private final ObjectProperty<ModelChoice> model = new SimpleObjectProperty<>();
  private final ObservableList<ModelChoice> models = FXCollections.observableArrayList();
  private final ObservableList<ModelChoice> modelsView =
      FXCollections.unmodifiableObservableList(models);
  private final ReadOnlyObjectWrapper<PackFacts> facts = new ReadOnlyObjectWrapper<>();
  private final ReadOnlyStringWrapper modelMessage = new ReadOnlyStringWrapper("");

  /** The preview decoder chosen for each model, by {@link GenerationSettings#modelKey}. */
  private final Map<String, String> previewDecoders = new HashMap<>();

  /**
   * What each checkpoint predicts when the user said so, by {@link GenerationSettings#modelKey}.
   */
  private final Map<String, String> predictions = new HashMap<>();

  private final ReadOnlyObjectWrapper<PredictionType> prediction = new ReadOnlyObjectWrapper<>();
  private final ReadOnlyBooleanWrapper checkpoint = new ReadOnlyBooleanWrapper();
  private String modelsRoot = "";
  private final ReadOnlyObjectWrapper<Path> previewDecoder = new ReadOnlyObjectWrapper<>();
  private final ReadOnlyStringWrapper previewDecoderText = new ReadOnlyStringWrapper("");
  private long factsRequest;

  /**
   * Reads packs on {@code background} and applies their facts through {@code ui}; a model read fits
   * the size in {@code controls} to it.
   */
  ModelViewModel(Executor ui, Executor background, ControlsViewModel controls) {
    this.ui = ui;
    this.background = background;
    this.controls = controls;
    model.addListener((o, a, b) -> loadFacts(b));
    model.addListener((o, a, b) -> updatePreviewDecoder());
    model.addListener((o, a, b) -> updatePrediction());
    facts.addListener((o, a, b) -> updatePreviewDecoder());
  }

  /**
   * Offers {@code catalog}'s models and the preview decoders {@code s} remembers; the model is the
   * one {@code s} names when it is listed or still a folder, else the catalog's first.
   */
  void apply(GenerationSettings s, List<ModelChoice> catalog) {
    previewDecoders.clear();
    previewDecoders.putAll(s.previewDecoders());
    predictions.clear();
    predictions.putAll(s.predictions());
    modelsRoot = s.modelsRoot();
    models.setAll(catalog);
    ModelChoice pick = catalog.isEmpty() ? null : catalog.get(0);
    if (!s.modelFolder().isEmpty()) {
      Path wanted = Path.of(s.modelFolder()).toAbsolutePath().normalize();
      pick =
          catalog.stream()
              .filter(c -> c.folder().toAbsolutePath().normalize().equals(wanted))
              .findFirst()
              .orElse(null);
      if (pick == null) {
        pick = ModelCatalog.choice(wanted);
        models.add(pick);
      }
    }
    model.set(pick);
    updatePreviewDecoder();
  }

  /** The chosen model's folder as settings remember it: empty for the built-in pack. */
  String folderSetting() {
    ModelChoice m = model.get();
    return m == null || m.builtIn() ? "" : m.folder().toString();
  }

  /** The preview decoder chosen for each model, by {@link GenerationSettings#modelKey}. */
  Map<String, String> previewDecoders() {
    return previewDecoders;
  }

  /**
   * Offers the models of another models folder ({@code listed}, the catalog of {@code root}),
   * keeping the chosen model when it is still there or was opened by hand.
   */
  public void setModelsRoot(Path root, List<ModelChoice> listed) {
    modelsRoot = root == null ? "" : root.toAbsolutePath().normalize().toString();
    ModelChoice current = model.get();
    models.setAll(listed);
    if (current != null && models.stream().noneMatch(m -> m.folder().equals(current.folder()))) {
      models.add(current);
    }
    model.set(
        current == null
            ? (models.isEmpty() ? null : models.get(0))
            : models.stream()
                .filter(m -> m.folder().equals(current.folder()))
                .findFirst()
                .orElse(current));
  }

  /** The LoRA folder of the models folder (Stepwise's {@code lora/}, A1111's, ComfyUI's). */
  public Path loraFolder() {
    return modelsFolder().folder(ModelsFolder.Kind.LORA);
  }

  /** The names of the LoRA files Stepwise can open in the models folder, by name. */
  public List<String> loraNames() {
    return modelsFolder().loras().stream()
        .filter(e -> e.refusal() == null)
        .map(ModelsFolder.Entry::name)
        .toList();
  }

  /**
   * The models folder's VAE that a recipe names: by its file name as A1111 writes it ({@code VAE:
   * vae-ft-mse-840000-ema-pruned.safetensors}, or without the extension), else by the short hash
   * when the hash cache knows it; null when none matches. Nothing is hashed here.
   */
  public Path findVae(String name, String hash) {
    ModelHashes hashes = new ModelHashes(Stepwise.cacheDir().resolve("model-hashes.json"));
    Path byHash = null;
    for (ModelsFolder.Entry e : modelsFolder().vaes()) {
      if (e.refusal() != null) {
        continue;
      }
      String file = String.valueOf(e.path().getFileName());
      if (file.equalsIgnoreCase(name) || e.name().equalsIgnoreCase(name)) {
        return e.path();
      }
      if (byHash == null && hash != null && hash.equalsIgnoreCase(hashes.cachedHash(e.path()))) {
        byHash = e.path();
      }
    }
    return byHash;
  }

  /** The models folder chosen now (Stepwise's default one when none is). */
  ModelsFolder modelsFolder() {
    return ModelsFolder.at(modelsRoot.isEmpty() ? ModelsFolder.defaultRoot() : Path.of(modelsRoot));
  }

  /** The models folder as settings remember it: empty for the default. */
  String modelsRootSetting() {
    return modelsRoot;
  }

  /**
   * What each checkpoint predicts when the user said so, by {@link GenerationSettings#modelKey}.
   */
  Map<String, String> predictions() {
    return predictions;
  }

  /**
   * Says what the current model (a single-file checkpoint) predicts; null goes back to the model's
   * own guess. Remembered per model.
   */
  public void setPrediction(PredictionType p) {
    ModelChoice m = model.get();
    if (m == null) {
      return;
    }
    String key = GenerationSettings.modelKey(m.folder());
    if (p == null) {
      predictions.remove(key);
    } else {
      predictions.put(key, p.configName());
    }
    updatePrediction();
  }

  private void updatePrediction() {
    ModelChoice m = model.get();
    checkpoint.set(m != null && m.checkpoint());
    String p = m == null ? null : predictions.get(GenerationSettings.modelKey(m.folder()));
    PredictionType t = null;
    for (PredictionType c : PredictionType.values()) {
      if (c.configName().equals(p)) {
        t = c;
      }
    }
    prediction.set(t);
  }

  /** What the user said the current model predicts, or null for the model's own guess. */
  public ReadOnlyObjectProperty<PredictionType> predictionProperty() {
    return prediction.getReadOnlyProperty();
  }

  /** Whether the current model is a single-file checkpoint (which may need its prediction said). */
  public ReadOnlyBooleanProperty checkpointProperty() {
    return checkpoint.getReadOnlyProperty();
  }

  /** Adds a pack folder or checkpoint file the user opened to the chooser and selects it. */
  public void openModel(Path folder) {
    ModelChoice c = ModelCatalog.choice(folder);
    ModelChoice existing =
        models.stream().filter(m -> m.folder().equals(c.folder())).findFirst().orElse(null);
    if (existing == null) {
      models.add(c);
      existing = c;
    }
    model.set(existing);
  }

  private void loadFacts(ModelChoice choice) {
    facts.set(null);
    if (choice == null) {
      modelMessage.set("Choose a model with \"Open a model…\".");
      return;
    }
    modelMessage.set("Reading " + choice.label() + "…");
    long ticket = ++factsRequest;
    background.execute(
        () -> {
          PackFacts f = null;
          String message;
          try {
            f = PackFacts.read(choice.folder());
            message = "";
          } catch (EngineException e) {
            message = e.getMessage() + " Choose another model or open a model folder.";
          } catch (RuntimeException | Error e) {
            // Whatever reading throws, the studio must leave "Reading…" and say so.
            message =
                "The model in "
                    + choice.folder()
                    + " could not be read ("
                    + e.getClass().getSimpleName()
                    + "); choose another model.";
          }
          PackFacts result = f;
          String msg = message;
          ui.execute(
              () -> {
                if (ticket != factsRequest) {
                  return;
                }
                modelMessage.set(msg);
                if (result != null) {
                  controls.fitSize(result);
                }
                facts.set(result);
              });
        });
  }

  /**
   * Chooses the preview decoder of the current model (a TAESD-format folder or {@code .safetensors}
   * file); null goes back to the model's own. Remembered per model.
   */
  public void setPreviewDecoder(Path decoder) {
    ModelChoice m = model.get();
    if (m == null) {
      return;
    }
    String key = GenerationSettings.modelKey(m.folder());
    if (decoder == null) {
      previewDecoders.remove(key);
    } else {
      previewDecoders.put(key, decoder.toAbsolutePath().normalize().toString());
    }
    updatePreviewDecoder();
  }

  private void updatePreviewDecoder() {
    ModelChoice m = model.get();
    String d = m == null ? null : previewDecoders.get(GenerationSettings.modelKey(m.folder()));
    Path p = d == null ? null : Path.of(d);
    previewDecoder.set(p);
    if (p != null) {
      Path name = p.getFileName();
      previewDecoderText.set("Preview decoder: " + (name == null ? p : name));
    } else if (m != null && Files.isDirectory(m.folder().resolve(ModelPack.PREVIEW_DECODER_DIR))) {
      previewDecoderText.set("Preview decoder: the model's own");
    } else {
      previewDecoderText.set("Preview decoder: none");
    }
  }

  /** The chosen model (the chooser's value). */
  public ObjectProperty<ModelChoice> modelProperty() {
    return model;
  }

  /** The models on offer: the catalog's and the folders opened. */
  public ObservableList<ModelChoice> models() {
    return modelsView;
  }

  /** The chosen model's facts; null while it is read or when it could not be read. */
  public ReadOnlyObjectProperty<PackFacts> factsProperty() {
    return facts.getReadOnlyProperty();
  }

  /** Why there are no facts yet, in one sentence; empty once the model is read. */
  public ReadOnlyStringProperty modelMessageProperty() {
    return modelMessage.getReadOnlyProperty();
  }

  /** The preview decoder chosen for the current model, or null for the model's own. */
  public ReadOnlyObjectProperty<Path> previewDecoderProperty() {
    return previewDecoder.getReadOnlyProperty();
  }

  /** The current model's preview decoder in words, e.g. "Preview decoder: the model's own". */
  public ReadOnlyStringProperty previewDecoderTextProperty() {
    return previewDecoderText.getReadOnlyProperty();
  }
}
