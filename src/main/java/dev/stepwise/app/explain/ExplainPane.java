package dev.stepwise.app.explain;

import dev.stepwise.app.fx.FxImages;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.explain.SamplerPlan;
import dev.stepwise.engine.explain.ScheduleCurves;
import java.io.File;
import java.util.List;
import javafx.beans.binding.Bindings;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Slider;
import javafx.scene.control.TitledPane;
import javafx.scene.control.Tooltip;
import javafx.scene.image.ImageView;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.scene.text.Font;
import javafx.scene.text.FontWeight;
import javafx.stage.FileChooser;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kordamp.ikonli.materialdesign2.MaterialDesignD;
import org.kordamp.ikonli.materialdesign2.MaterialDesignF;
import org.kordamp.ikonli.materialdesign2.MaterialDesignI;

/**
 * The explain view: (a) the schedule's alpha-bar and log-SNR curves with the sampler's timesteps
 * and the current step, (b) the current sampler's update in words and formula, (c) the
 * forward-process explorer in pixel space and in the pack's latent space.
 *
 * <p>Node ids: {@code #explain-alphabar-chart}, {@code #explain-snr-chart}, {@code
 * #explain-sampler-title}, {@code #explain-formula}, {@code #explain-step-numbers}, {@code
 * #explain-last-image}, {@code #explain-open}, {@code #explain-new-noise}, {@code
 * #explain-t-slider}, {@code #explain-t-value}, {@code #explain-latent-toggle}, {@code
 * #explain-source}, {@code #explain-pixel}, {@code #explain-latent-decoded}, {@code
 * #explain-latent-view}, {@code #explain-strip}, {@code #explain-latent-status}, {@code
 * #explain-message}.
 */
public final class ExplainPane extends BorderPane {
  private static final double VIEW = 220;
  private static final double STRIP_GAP = 6;

  /** The side of the strip's t-frames, following the width. */
  private final javafx.beans.property.DoubleProperty thumb =
      new javafx.beans.property.SimpleDoubleProperty(96);

  private final ExplainViewModel vm;
  private final ScheduleChart alphaChart =
      new ScheduleChart("explain-alphabar-chart", "ᾱ_t (signal fraction)", false);
  private final ScheduleChart snrChart = new ScheduleChart("explain-snr-chart", "log10 SNR", true);

  /** Builds the view around {@code vm}. */
  public ExplainPane(ExplainViewModel vm) {
    this.vm = vm;
    getStyleClass().add("explain-pane");
    VBox content =
        new VBox(
            8,
            section("Noise schedule", scheduleSection()),
            section("Sampler update", samplerSection()),
            section("Forward process explorer", explorerSection()));
    content.setPadding(new Insets(8));
    ScrollPane scroll = new ScrollPane(content);
    scroll.setFitToWidth(true);
    setCenter(scroll);

    vm.curvesProperty().addListener((o, a, b) -> redrawCharts());
    vm.planProperty().addListener((o, a, b) -> redrawCharts());
    vm.currentTimestepProperty().addListener((o, a, b) -> moveMarkers());
    vm.strengthTimestepProperty().addListener((o, a, b) -> moveMarkers());
    redrawCharts();
  }

  private static TitledPane section(String title, Node body) {
    TitledPane p = new TitledPane(title, body);
    p.setCollapsible(true);
    return p;
  }

  private Node scheduleSection() {
    HBox.setHgrow(alphaChart, Priority.ALWAYS);
    HBox.setHgrow(snrChart, Priority.ALWAYS);
    HBox charts = new HBox(8, alphaChart, snrChart);
    Label legend =
        new Label(
            "Blue: the training schedule over t = 0 … T−1. Red dots: the timesteps the chosen"
                + " sampler visits. Orange line: the current step. x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε,"
                + " so ᾱ_t is the share of signal variance; SNR = ᾱ_t / (1 − ᾱ_t).");
    legend.setWrapText(true);
    return new VBox(6, charts, legend);
  }

  private Node samplerSection() {
    Label title = new Label();
    title.setId("explain-sampler-title");
    title.setFont(Font.font(null, FontWeight.BOLD, 14));
    // No combining characters (x̂) in wrapped text: JavaFX then draws a line's glyphs past its
    // break, so the words avoid them and only the unwrapped formula lines use them.
    Label words = new Label();
    words.setId("explain-sampler-words");
    words.setWrapText(true);
    Label formula = new Label();
    formula.setId("explain-formula");
    formula.setFont(Font.font("Monospaced", 13));
    formula.setWrapText(false); // formula lines hold combining marks (x̂), see words below
    Label source = new Label();
    source.setWrapText(true);
    source.setStyle("-fx-font-style: italic; -fx-opacity: 0.8;");
    vm.explanationProperty()
        .addListener((o, a, e) -> showExplanation(e, title, words, formula, source));
    showExplanation(vm.explanationProperty().get(), title, words, formula, source);
    Label numbers = new Label();
    numbers.setId("explain-step-numbers");
    numbers.textProperty().bind(vm.stepNumbersProperty());
    numbers.setWrapText(true);
    Label guidance =
        new Label("ε_θ is the guided prediction ε_u + s · (ε_c − ε_u), s the guidance scale.");
    guidance.setWrapText(true);
    return new VBox(6, title, words, formula, numbers, guidance, source);
  }

  private static void showExplanation(
      SamplerExplanation e, Label title, Label words, Label formula, Label source) {
    title.setText(e.title());
    words.setText(e.words());
    formula.setText(e.formula());
    source.setText("Source: " + e.source());
  }

  private Node explorerSection() {
    Button last = new Button("Last image", FontIcon.of(MaterialDesignI.IMAGE_OUTLINE));
    last.setId("explain-last-image");
    last.setTooltip(
        new Tooltip(
            "Explore the forward process on the studio's newest picture (used by default)"));
    last.setOnAction(e -> vm.useOfferedImage());
    last.disableProperty().bind(vm.offeredImageProperty().isNull());
    Button open = new Button("Open image…", FontIcon.of(MaterialDesignF.FOLDER_IMAGE));
    open.setId("explain-open");
    open.setTooltip(new Tooltip("Explore the forward process on an image of your own"));
    open.setOnAction(e -> chooseImage());
    Button noise = new Button("New noise", FontIcon.of(MaterialDesignD.DICE_MULTIPLE));
    noise.setId("explain-new-noise");
    noise.setTooltip(new Tooltip("Draw another ε (a new fixed seed)"));
    noise.setOnAction(e -> vm.newNoise());

    Slider slider =
        new Slider(0, vm.curvesProperty().get().size() - 1, vm.explorerTimestepProperty().get());
    slider.setId("explain-t-slider");
    slider.setBlockIncrement(10);
    slider.setTooltip(
        new Tooltip("Training timestep t: 0 is the clean image, T−1 almost pure noise"));
    HBox.setHgrow(slider, Priority.ALWAYS);
    slider
        .valueProperty()
        .addListener(
            (o, a, b) -> vm.explorerTimestepProperty().set((int) Math.round(b.doubleValue())));
    vm.explorerTimestepProperty().addListener((o, a, b) -> slider.setValue(b.intValue()));
    vm.curvesProperty().addListener((o, a, b) -> slider.setMax(b.size() - 1));
    Label tValue = new Label();
    tValue.setId("explain-t-value");
    tValue.setMinWidth(60);
    tValue.textProperty().bind(Bindings.concat("t = ", vm.explorerTimestepProperty()));

    CheckBox latent = new CheckBox("Latent space");
    latent.setId("explain-latent-toggle");
    latent.setTooltip(
        new Tooltip(
            "Also encode the image with the model's autoencoder, noise the latent and decode it"));
    latent.selectedProperty().bindBidirectional(vm.latentEnabledProperty());
    ProgressIndicator busy = new ProgressIndicator();
    busy.setPrefSize(18, 18);
    busy.visibleProperty().bind(vm.busyProperty());

    slider.setMinWidth(120);
    // The buttons wrap instead of shrinking to "Open imag..."; the t slider has a row of its own.
    FlowPane buttons = new FlowPane(8, 6, last, open, noise, latent, busy);
    buttons.setAlignment(Pos.CENTER_LEFT);
    for (Node n : buttons.getChildren()) {
      ((javafx.scene.layout.Region) n).setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
    }
    HBox tRow = new HBox(8, new Label("t"), slider, tValue);
    tRow.setAlignment(Pos.CENTER_LEFT);
    VBox controls = new VBox(6, buttons, tRow);

    Label caption = new Label();
    caption.setId("explain-caption");
    caption.textProperty().bind(vm.explorerCaptionProperty());
    caption.setWrapText(true);

    FlowPane views =
        new FlowPane(
            10,
            10,
            tile("explain-source", "x_0 (clean image)", vm.sourceImageProperty(), true),
            tile("explain-pixel", "x_t in pixel space", vm.pixelNoisedProperty(), true),
            tile(
                "explain-latent-decoded",
                "decode(z_t): noised in latent space",
                vm.latentDecodedProperty(),
                true),
            tile(
                "explain-latent-view",
                "z_t itself (latent channels as colours)",
                vm.latentViewProperty(),
                false));

    // All seven t-frames in one row, as large as the width allows (48 to 96 px), scrolling only
    // when even 48 px ones do not fit.
    HBox strip = new HBox(STRIP_GAP);
    strip.setId("explain-strip");
    ScrollPane stripScroll = new ScrollPane(strip);
    stripScroll.setId("explain-strip-scroll");
    stripScroll.setFitToHeight(true);
    stripScroll.setVbarPolicy(ScrollPane.ScrollBarPolicy.NEVER);
    stripScroll.getStyleClass().add("edge-to-edge");
    stripScroll.setMinWidth(0);
    thumb.bind(
        Bindings.createDoubleBinding(
            () -> {
              int n = ExplainViewModel.STRIP_TIMESTEPS.size();
              double w = stripScroll.getViewportBounds().getWidth();
              return Math.max(48, Math.min(96, Math.floor((w - STRIP_GAP * (n - 1)) / n)));
            },
            stripScroll.viewportBoundsProperty()));
    vm.pixelStripProperty().addListener((o, a, b) -> fillStrip(strip, b));
    fillStrip(strip, vm.pixelStripProperty().get());

    Label status = new Label();
    status.setId("explain-latent-status");
    status.textProperty().bind(vm.latentStatusProperty());
    status.setWrapText(true);
    Label message = new Label();
    message.setId("explain-message");
    message.textProperty().bind(vm.messageProperty());
    message.setWrapText(true);
    message.setStyle("-fx-text-fill: #b8322a;");
    Label stripCaption =
        new Label(
            "Pixel space at t = "
                + String.join(
                    ", ", ExplainViewModel.STRIP_TIMESTEPS.stream().map(String::valueOf).toList())
                + " (as in Ho et al. 2020):");
    return new VBox(8, controls, caption, views, status, message, stripCaption, stripScroll);
  }

  private static VBox tile(
      String id, String label, javafx.beans.value.ObservableValue<RgbImage> image, boolean smooth) {
    ImageView view = new ImageView();
    view.setId(id);
    view.setFitWidth(VIEW);
    view.setFitHeight(VIEW);
    view.setPreserveRatio(true);
    view.setSmooth(smooth);
    image.addListener((o, a, b) -> view.setImage(b == null ? null : FxImages.toFx(b)));
    if (image.getValue() != null) {
      view.setImage(FxImages.toFx(image.getValue()));
    }
    Label caption = new Label(label);
    caption.setWrapText(true);
    caption.setMaxWidth(VIEW);
    return new VBox(4, view, caption);
  }

  private void fillStrip(HBox strip, List<RgbImage> images) {
    strip.getChildren().clear();
    for (int i = 0; i < images.size(); i++) {
      ImageView v = new ImageView(FxImages.toFx(images.get(i)));
      v.fitWidthProperty().bind(thumb);
      v.fitHeightProperty().bind(thumb);
      v.setPreserveRatio(true);
      Label l = new Label("t = " + ExplainViewModel.STRIP_TIMESTEPS.get(i));
      strip.getChildren().add(new VBox(2, v, l));
    }
  }

  private void chooseImage() {
    FileChooser chooser = new FileChooser();
    chooser.setTitle("Choose an image to noise");
    chooser
        .getExtensionFilters()
        .add(
            new FileChooser.ExtensionFilter(
                "Images", "*.png", "*.jpg", "*.jpeg", "*.gif", "*.bmp"));
    File f = chooser.showOpenDialog(getScene() == null ? null : getScene().getWindow());
    if (f != null) {
      vm.loadImage(f.toPath());
    }
  }

  private void redrawCharts() {
    ScheduleCurves c = vm.curvesProperty().get();
    SamplerPlan p = vm.planProperty().get();
    for (ScheduleChart chart : List.of(alphaChart, snrChart)) {
      chart.setCurves(c);
      chart.setPlan(c, p);
    }
    moveMarkers();
  }

  private void moveMarkers() {
    double t = vm.currentTimestepProperty().get();
    alphaChart.setMarker(t);
    snrChart.setMarker(t);
    double start = vm.strengthTimestepProperty().get();
    alphaChart.setStrengthMarker(start);
    snrChart.setStrengthMarker(start);
  }
}
