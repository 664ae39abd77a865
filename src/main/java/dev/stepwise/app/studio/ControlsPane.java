package dev.stepwise.app.studio;

import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.sampling.PredictionType;
import dev.stepwise.engine.service.PackFacts;
import dev.stepwise.recipe.Sampler;
import dev.stepwise.recipe.Settings;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import javafx.beans.binding.Bindings;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.collections.FXCollections;
import javafx.geometry.Insets;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.control.Slider;
import javafx.scene.control.Spinner;
import javafx.scene.control.SpinnerValueFactory;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.scene.text.Font;
import javafx.stage.DirectoryChooser;
import javafx.stage.FileChooser;
import javafx.stage.Window;
import javafx.util.StringConverter;
import org.kordamp.ikonli.javafx.FontIcon;

/**
 * The left column: prompt, negative prompt, guidance, steps, seed, sampler, size, batch, live
 * preview (method and preview decoder), model.
 */
public final class ControlsPane extends ScrollPane {
  /** The guidance tooltip: the scale's convention and the w = s - 1 relation. */
  public static final String GUIDANCE_TIP =
      "Guidance scale s (diffusers' guidance_scale, the CFG scale):\n"
          + "eps = eps_uncond + s (eps_cond - eps_uncond).\n"
          + "Ho & Salimans (2022) write the same update with w = s - 1.\n"
          + "At s <= 1 the unconditional pass is skipped and the negative prompt has no effect.";

  /** The preview method's tooltip: every choice with what it costs. */
  public static final String PREVIEW_TIP =
      "How each step's picture is made, always at the image size:\n"
          + "Auto: the preview decoder when there is one, else full decodes as often as fit in a"
          + " quarter of a step's time, the cheap projection in between.\n"
          + "Tiny decoder: a small distilled decoder (TAESD), usually a few percent of a step.\n"
          + "Full decode: the model's own decoder at every step, exact and as slow as a decode.\n"
          + "Cheap: a linear projection of the latents, nearly free and blurry.\n"
          + "Off: no pictures until the image is finished.\n"
          + "The canvas says what the preview costs during a run.";

  private final List<Object> keepAlive = new ArrayList<>();
  private final ControlsViewModel vm;
  private final ModelViewModel models;
  private final TextArea prompt = new TextArea();
  private final Button openModel;
  private final PromptCompletion completion;

  /** Builds the controls bound to {@code studio}; {@code onOpenModel} asks for a folder. */
  public ControlsPane(StudioViewModel studio, Runnable onOpenModel, Runnable onGenerate) {
    this.vm = studio.controls();
    this.models = studio.model();
    PromptViewModel prompts = studio.prompts();
    SeedViewModel seeds = studio.seeds();
    VBox box = new VBox(4);
    box.setPadding(new Insets(8));
    box.setPrefWidth(320);

    prompt.setId("prompt");
    prompt.setPromptText("Describe the picture; Ctrl+Enter generates");
    prompt.setWrapText(true);
    prompt.setPrefRowCount(3);
    prompt.setTooltip(
        new Tooltip(
            "The prompt. Ctrl+Enter generates; type two letters for the" + " model's words."));
    prompt.textProperty().bindBidirectional(vm.promptProperty());
    completion = new PromptCompletion(prompt, prompts::completions);

    Button ideas =
        Icons.button(
            "promptIdeas", "", "mdi2l-lightbulb-outline", "Prompt ideas: prompts this model knows");
    ideas.setOnAction(e -> PromptIdeasDialog.show(getScene().getWindow(), prompts));
    Button surprise =
        Icons.button(
            "surprisePrompt", "", "mdi2s-shuffle-variant", "A random prompt this model knows");
    surprise.setOnAction(
        e -> prompts.surprisePrompt(java.util.concurrent.ThreadLocalRandom.current()));
    var hasIdeas = prompts.hasPromptIdeasProperty();
    keepAlive.add(hasIdeas);
    ideas.disableProperty().bind(hasIdeas.not());
    surprise.disableProperty().bind(hasIdeas.not());
    javafx.scene.layout.Region gap = new javafx.scene.layout.Region();
    HBox.setHgrow(gap, Priority.ALWAYS);
    MenuButton lora = new MenuButton();
    lora.setId("loraMenu");
    lora.setGraphic(Icons.icon("mdi2l-layers-plus"));
    lora.setTooltip(
        new Tooltip(
            "Add a LoRA from the models folder to the prompt as <lora:name:1> (AUTOMATIC1111's"
                + " syntax; change the 1 to weigh it)."));
    lora.setOnShowing(e -> fillLoraMenu(lora, studio.model()));
    lora.getItems().add(new MenuItem()); // replaced on showing; a MenuButton needs one to open
    HBox promptTitle = row(title("Prompt"), gap, lora, ideas, surprise);

    Label unknown = new Label();
    unknown.setId("unknownWords");
    unknown.getStyleClass().add("unknown-words");
    unknown.setGraphic(new FontIcon("mdi2a-alert-outline"));
    unknown.textProperty().bind(prompts.unknownWarningProperty());
    unknown.visibleProperty().bind(prompts.unknownWarningProperty().isNotEmpty());
    // Its two lines stay reserved while it is hidden: the controls below never move under the
    // pointer as words become known or unknown. A longer list ends in "..."; the tooltip has it.
    double lines = 2 * Math.ceil(Font.getDefault().getSize() * 1.4);
    unknown.setMinHeight(lines);
    unknown.setPrefHeight(lines);
    unknown.setMaxHeight(lines);
    unknown.setAlignment(javafx.geometry.Pos.TOP_LEFT);
    Tooltip unknownTip = new Tooltip();
    unknownTip.setWrapText(true);
    unknownTip.setMaxWidth(360);
    unknownTip
        .textProperty()
        .bind(Bindings.concat(unknown.textProperty(), " These words carry no meaning for it."));
    unknown.setTooltip(unknownTip);

    TextArea negative = new TextArea();
    negative.setId("negativePrompt");
    negative.setWrapText(true);
    negative.setPrefRowCount(2);
    negative.setPromptText("What to steer away from (optional)");
    negative.setTooltip(new Tooltip("Replaces the empty prompt as the unconditional input."));
    negative.textProperty().bindBidirectional(vm.negativePromptProperty());

    Slider guidance =
        new Slider(Settings.MIN_GUIDANCE, Settings.MAX_GUIDANCE, Settings.DEFAULT_GUIDANCE);
    guidance.setId("guidanceSlider");
    guidance.setTooltip(new Tooltip(GUIDANCE_TIP));
    HBox.setHgrow(guidance, Priority.ALWAYS);
    guidance.valueProperty().bindBidirectional(vm.guidanceProperty());
    Spinner<Double> guidanceSpin =
        new Spinner<>(Settings.MIN_GUIDANCE, Settings.MAX_GUIDANCE, Settings.DEFAULT_GUIDANCE, 0.5);
    guidanceSpin.setId("guidance");
    guidanceSpin.setPrefWidth(90);
    guidanceSpin.setTooltip(new Tooltip(GUIDANCE_TIP));
    bindDouble(guidanceSpin, vm);

    Spinner<Integer> steps =
        intSpinner(
            "steps",
            1,
            GenerationSettings.MAX_STEPS,
            1,
            vm.stepsProperty(),
            "Sampler steps: more is slower and usually finer.");

    TextField seed = new TextField();
    seed.setId("seed");
    seed.setPrefColumnCount(10);
    seed.setPromptText("random");
    seed.setTooltip(
        new Tooltip(
            "The seed of the first image; image i of a batch uses seed + i. Unlocked, Generate"
                + " draws a new one and shows it here."));
    seed.textProperty().bindBidirectional(seeds.seedTextProperty());
    HBox.setHgrow(seed, Priority.ALWAYS);
    Button random =
        Icons.button(
            "randomSeed", "", "mdi2d-dice-multiple-outline", "Draw a new random seed (Ctrl+R)");
    random.setOnAction(e -> seeds.randomSeed());
    Button reuse =
        Icons.button(
            "reuseSeed", "", "mdi2h-history", "Reuse the last seed and lock it (Ctrl+Shift+R)");
    reuse.setOnAction(e -> seeds.reuseLastSeed());
    ToggleButton lock =
        Icons.toggle(
            "lockSeed",
            "",
            "mdi2l-lock-outline",
            "Lock the seed: Generate reuses it instead of drawing a new one (Ctrl+L)");
    lock.selectedProperty().bindBidirectional(seeds.seedLockedProperty());

    ComboBox<Sampler> sampler = new ComboBox<>();
    sampler.setId("sampler");
    sampler.getItems().setAll(Sampler.values());
    sampler.setConverter(
        new StringConverter<>() {
          @Override
          public String toString(Sampler k) {
            return k == null ? "" : k.displayName();
          }

          @Override
          public Sampler fromString(String s) {
            return Sampler.parse(s);
          }
        });
    sampler.valueProperty().bindBidirectional(vm.samplerProperty());
    sampler.setTooltip(
        new Tooltip(
            "The sampling algorithm (DDIM, Euler, DPM++ 2M, ...). Karras sigmas go with Euler,"
                + " Euler a and DPM++ 2M."));
    CheckBox karras = new CheckBox("Karras");
    karras.setId("karras");
    karras.selectedProperty().bindBidirectional(vm.karrasProperty());
    karras
        .disableProperty()
        .bind(
            Bindings.createBooleanBinding(
                () ->
                    vm.samplerProperty().get() != null && !vm.samplerProperty().get().takesKarras(),
                vm.samplerProperty()));
    Tooltip karrasTip = new Tooltip();
    karrasTip
        .textProperty()
        .bind(
            Bindings.createStringBinding(
                () -> karrasTip(vm.samplerProperty().get()), vm.samplerProperty()));
    karras.setTooltip(karrasTip);

    ComboBox<PreviewMethod> previewMethod = new ComboBox<>();
    previewMethod.setId("previewMethod");
    previewMethod.getItems().setAll(PreviewMethod.values());
    previewMethod.setConverter(
        new StringConverter<>() {
          @Override
          public String toString(PreviewMethod m) {
            return m == null ? "" : m.displayName();
          }

          @Override
          public PreviewMethod fromString(String s) {
            for (PreviewMethod m : PreviewMethod.values()) {
              if (m.displayName().equals(s)) {
                return m;
              }
            }
            return PreviewMethod.AUTO;
          }
        });
    previewMethod.valueProperty().bindBidirectional(vm.previewMethodProperty());
    previewMethod.setTooltip(new Tooltip(PREVIEW_TIP));
    MenuItem decoderFolder = new MenuItem("Choose a decoder folder…");
    decoderFolder.setId("previewDecoderFolder");
    decoderFolder.setOnAction(e -> chooseDecoderFolder());
    MenuItem decoderFile = new MenuItem("Choose a decoder file (.safetensors)…");
    decoderFile.setId("previewDecoderFile");
    decoderFile.setOnAction(e -> chooseDecoderFile());
    MenuItem decoderClear = new MenuItem("Use the model's own");
    decoderClear.setId("previewDecoderClear");
    decoderClear.setOnAction(e -> models.setPreviewDecoder(null));
    decoderClear.disableProperty().bind(models.previewDecoderProperty().isNull());
    // The button names the current model's preview decoder and opens the choices.
    MenuButton decoder =
        new MenuButton(
            "",
            new FontIcon("mdi2i-image-filter-hdr"),
            decoderFolder,
            decoderFile,
            new SeparatorMenuItem(),
            decoderClear);
    decoder.setId("previewDecoderButton");
    decoder.textProperty().bind(models.previewDecoderTextProperty());
    decoder.setMaxWidth(Double.MAX_VALUE);
    HBox.setHgrow(decoder, Priority.ALWAYS);
    Tooltip decoderTip = new Tooltip();
    decoderTip
        .textProperty()
        .bind(
            Bindings.createStringBinding(
                () ->
                    "Choose a preview decoder for this model, used by Auto and Tiny decoder: a"
                        + " TAESD-format folder (diffusers AutoencoderTiny) or a"
                        + " taesd_decoder.safetensors file; remembered for each model.\nNow: "
                        + (models.previewDecoderProperty().get() == null
                            ? "the model's own (its vae_preview folder) when it has one"
                            : models.previewDecoderProperty().get().toString()),
                models.previewDecoderProperty()));
    decoder.setTooltip(decoderTip);

    Spinner<Integer> width =
        intSpinner(
            "width",
            0,
            2048,
            8,
            vm.widthProperty(),
            "Image width in pixels, a multiple of the model's factor (0: the model's own size).");
    Spinner<Integer> height =
        intSpinner(
            "height",
            0,
            2048,
            8,
            vm.heightProperty(),
            "Image height in pixels, a multiple of the model's factor (0: the model's own size).");
    models.factsProperty().addListener((o, a, f) -> sizeStep(f, width, height));
    Spinner<Integer> batch =
        intSpinner(
            "batch",
            1,
            64,
            1,
            vm.batchProperty(),
            "Images per press of Generate; image i uses seed + i.");

    Spinner<Integer> clipSkip =
        intSpinner(
            "clipSkip",
            Settings.MIN_CLIP_SKIP,
            Settings.MAX_CLIP_SKIP,
            1,
            vm.clipSkipProperty(),
            "AUTOMATIC1111's clip skip: the text encoder layer counted from the end (1 = the last;"
                + " many anime models want 2). SD 2.x models ignore it.");
    ComboBox<String> vae = VaeChooser.create(vm, models);

    ComboBox<ModelChoice> model = new ComboBox<>(models.models());
    model.setId("model");
    model.setMaxWidth(Double.MAX_VALUE);
    HBox.setHgrow(model, Priority.ALWAYS);
    model.valueProperty().bindBidirectional(models.modelProperty());
    model.setTooltip(
        new Tooltip(
            "The built-in model, the checkpoints of the models folder (default "
                + ModelCatalog.userModels()
                + "; an AUTOMATIC1111 or ComfyUI folder works as it is), or a model you opened."));
    openModel =
        Icons.button(
            "openModel",
            "",
            "mdi2f-folder-open-outline",
            "Open a model: a pack folder, a checkpoint file or a models folder… (Ctrl+O)");
    openModel.setOnAction(e -> onOpenModel.run());
    ComboBox<String> prediction =
        new ComboBox<>(
            FXCollections.observableArrayList(
                PREDICTION_AUTO, "It predicts noise (epsilon)", "It predicts v (v-prediction)"));
    prediction.setId("prediction");
    prediction.setMaxWidth(Double.MAX_VALUE);
    prediction.setTooltip(
        new Tooltip(
            "What this checkpoint predicts. SD 1.x files predict noise; an SD 2.x file does not"
                + " say: the 768 models (2.0-v, 2.1) predict v, the 512 base models noise."));
    prediction.visibleProperty().bind(models.checkpointProperty());
    prediction.managedProperty().bind(prediction.visibleProperty());
    Runnable showPrediction =
        () -> {
          PredictionType p = models.predictionProperty().get();
          prediction.getSelectionModel().select(p == null ? 0 : p.ordinal() + 1);
        };
    models.predictionProperty().addListener((o, a, b) -> showPrediction.run());
    showPrediction.run();
    prediction.setOnAction(
        e -> {
          int i = prediction.getSelectionModel().getSelectedIndex();
          models.setPrediction(i <= 0 ? null : PredictionType.values()[i - 1]);
        });
    Label modelMessage = new Label();
    modelMessage.setId("modelMessage");
    modelMessage.getStyleClass().add("model-message");
    modelMessage.textProperty().bind(models.modelMessageProperty());
    modelMessage.visibleProperty().bind(models.modelMessageProperty().isNotEmpty());
    modelMessage.managedProperty().bind(modelMessage.visibleProperty());
    Label device = new Label();
    device.setId("device");
    device.setGraphic(new FontIcon("mdi2c-chip"));
    device.textProperty().bind(Bindings.concat("Device: ", studio.status().deviceProperty()));
    device.setTooltip(new Tooltip("Where the model runs (a CUDA GPU when one is found)."));

    Button generate =
        Icons.button(
            "generateSide",
            "Generate",
            "mdi2p-play",
            "Generate with these settings (Ctrl+Enter); during a run the job is queued");
    generate.setMaxWidth(Double.MAX_VALUE);
    generate.setDefaultButton(false);
    generate.setOnAction(e -> onGenerate.run());

    box.getChildren()
        .addAll(
            promptTitle,
            prompt,
            unknown,
            title("Negative prompt"),
            negative,
            new InitImagePane(studio),
            title("Guidance scale"),
            row(guidance, guidanceSpin),
            title("Steps"),
            steps,
            title("Seed"),
            row(seed, random, reuse, lock),
            new VariationRow(studio.variation()),
            new HiresPane(studio.hires()),
            new SdxlSizesPane(studio.sdxlSizes(), vm.sdxlProperty()),
            title("Sampler"),
            row(sampler, karras),
            title("Clip skip"),
            clipSkip,
            title("Size (width × height)"),
            row(width, new Label("×"), height, SizePresetsButton.of(vm), sizeWarning(vm)),
            title("Batch count"),
            batch,
            title("Live preview"),
            previewMethod,
            row(decoder),
            title("Model"),
            row(model, openModel),
            vae,
            prediction,
            modelMessage,
            device,
            new Label(),
            generate);
    setContent(box);
    setFitToWidth(true);
    setHbarPolicy(ScrollBarPolicy.NEVER);
  }

  private Window owner() {
    return getScene() == null ? null : getScene().getWindow();
  }

  private void chooseDecoderFolder() {
    DirectoryChooser chooser = new DirectoryChooser();
    chooser.setTitle("Choose a preview decoder folder (diffusers AutoencoderTiny, TAESD)");
    File dir = chooser.showDialog(owner());
    if (dir != null) {
      models.setPreviewDecoder(dir.toPath());
    }
  }

  private void chooseDecoderFile() {
    FileChooser chooser = new FileChooser();
    chooser.setTitle("Choose a preview decoder file (taesd_decoder.safetensors)");
    chooser
        .getExtensionFilters()
        .add(new FileChooser.ExtensionFilter("Safetensors weights", "*.safetensors"));
    File f = chooser.showOpenDialog(owner());
    if (f != null) {
      models.setPreviewDecoder(f.toPath());
    }
  }

  /** One item per LoRA file of the models folder, each adding its tag to the prompt. */
  private void fillLoraMenu(MenuButton menu, ModelViewModel models) {
    menu.getItems().clear();
    List<String> names = models.loraNames();
    if (names.isEmpty()) {
      MenuItem none = new MenuItem("No LoRA files in " + models.loraFolder());
      none.setDisable(true);
      menu.getItems().add(none);
      return;
    }
    for (String name : names) {
      MenuItem item = new MenuItem(name);
      item.setMnemonicParsing(false);
      item.setOnAction(e -> vm.addToPrompt("<lora:" + name + ":1>"));
      menu.getItems().add(item);
    }
  }

  /** The prediction chooser's first entry: the checkpoint's own guess. */
  private static final String PREDICTION_AUTO = "Prediction: as the file suggests";

  /** The button that opens a model (the open menu shows under it). */
  Button openModelButton() {
    return openModel;
  }

  /**
   * A warning sign beside the size while it is larger than the model's own, the sentence in its
   * tooltip; its place is kept while hidden, so the row never shifts.
   */
  private static Label sizeWarning(ControlsViewModel vm) {
    Label sign = new Label();
    sign.setId("sizeWarning");
    sign.getStyleClass().add("unknown-words");
    sign.setGraphic(new FontIcon("mdi2a-alert-outline"));
    sign.visibleProperty().bind(vm.sizeWarningProperty().isNotEmpty());
    Tooltip tip = new Tooltip();
    tip.setWrapText(true);
    tip.setMaxWidth(360);
    tip.textProperty().bind(vm.sizeWarningProperty());
    sign.setTooltip(tip);
    return sign;
  }

  /** The Karras check box's tooltip with {@code s} chosen. */
  static String karrasTip(Sampler s) {
    return s == null || s.takesKarras()
        ? "Use the noise levels of Karras et al. (2022): dense near the end of sampling."
        : s.displayName()
            + " has its own noise levels; Karras sigmas go with Euler, Euler a and DPM++ 2M.";
  }

  /** The prompt's word completion. */
  PromptCompletion completion() {
    return completion;
  }

  /** The prompt area (focus target after start). */
  public TextArea prompt() {
    return prompt;
  }

  private static Label title(String text) {
    Label l = new Label(text);
    l.getStyleClass().add("section-title");
    return l;
  }

  private static HBox row(Node... nodes) {
    HBox h = new HBox(4, nodes);
    h.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
    return h;
  }

  private Spinner<Integer> intSpinner(
      String id, int min, int max, int step, IntegerProperty p, String tip) {
    Spinner<Integer> s = new Spinner<>();
    SpinnerValueFactory.IntegerSpinnerValueFactory f =
        new SpinnerValueFactory.IntegerSpinnerValueFactory(min, max, Math.max(min, p.get()), step);
    s.setValueFactory(f);
    s.setId(id);
    s.setEditable(true);
    s.setPrefWidth(110);
    s.setTooltip(new Tooltip(tip));
    ObjectProperty<Integer> boxed = p.asObject();
    keepAlive.add(boxed);
    f.valueProperty().bindBidirectional(boxed);
    commitOnFocusLoss(s);
    return s;
  }

  private void bindDouble(Spinner<Double> s, ControlsViewModel vm) {
    s.setEditable(true);
    ObjectProperty<Double> boxed = vm.guidanceProperty().asObject();
    keepAlive.add(boxed);
    s.getValueFactory().valueProperty().bindBidirectional(boxed);
    commitOnFocusLoss(s);
  }

  private static void commitOnFocusLoss(Spinner<?> s) {
    s.focusedProperty()
        .addListener(
            (o, a, focused) -> {
              if (!focused) {
                try {
                  s.increment(0);
                } catch (RuntimeException e) {
                  s.getEditor().setText(String.valueOf(s.getValue()));
                }
              }
            });
  }

  private static void sizeStep(PackFacts f, Spinner<Integer> w, Spinner<Integer> h) {
    if (f == null) {
      return;
    }
    for (Spinner<Integer> s : List.of(w, h)) {
      SpinnerValueFactory.IntegerSpinnerValueFactory v =
          (SpinnerValueFactory.IntegerSpinnerValueFactory) s.getValueFactory();
      v.setAmountToStepBy(f.sizeStep());
    }
  }
}
