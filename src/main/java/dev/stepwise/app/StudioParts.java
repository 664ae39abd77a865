package dev.stepwise.app;

import dev.stepwise.app.explain.ExplainPane;
import dev.stepwise.app.explain.ExplainViewModel;
import dev.stepwise.app.gallery.GalleryPane;
import dev.stepwise.app.gallery.GalleryReveal;
import dev.stepwise.app.gallery.GalleryViewModel;
import dev.stepwise.app.gallery.StudioRecipes;
import dev.stepwise.app.lightbox.LightboxWindow;
import dev.stepwise.app.studio.RecipeControls;
import dev.stepwise.app.studio.StudioListener;
import dev.stepwise.app.studio.StudioViewModel;
import dev.stepwise.app.studio.StudioWindow;
import dev.stepwise.app.timeline.TimelinePane;
import dev.stepwise.app.timeline.TimelineViewModel;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GeneratedImage;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.ImageInput;
import dev.stepwise.engine.ModelInfo;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.image.ImageFiles;
import dev.stepwise.engine.sampling.SchedulerConfig;
import dev.stepwise.gallery.ImageParameters;
import dev.stepwise.gallery.ImageToSave;
import dev.stepwise.gallery.Library;
import dev.stepwise.gallery.LibraryImage;
import dev.stepwise.gallery.LibraryInputs;
import dev.stepwise.gallery.LibraryQuery;
import dev.stepwise.gallery.Recipe;
import dev.stepwise.metadata.MetadataException;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javafx.application.Platform;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.stage.FileChooser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects the studio window to the step timeline, the explain view and the library's gallery.
 *
 * <p>The timeline and the explain view follow every run through a {@link StudioListener}; every
 * finished image is saved into the library on one background thread (the library is the results
 * store) and appears in the gallery; the gallery's "Reuse" and PNGs opened or dropped on the window
 * fill the controls through {@link RecipeControls}. Every method runs on the JavaFX thread.
 */
public final class StudioParts implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StudioParts.class);

  private final StudioViewModel vm;
  private final StudioWindow window;
  private final TimelineViewModel timeline = new TimelineViewModel();
  private final ExplainViewModel explain = new ExplainViewModel();
  private final ObjectProperty<GalleryViewModel> gallery = new SimpleObjectProperty<>();
  private final ExecutorService libraryThread =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "stepwise-library");
            t.setDaemon(true);
            return t;
          });
  private final CompletableFuture<Library> library;

  /** The library image of each of {@code vm.jobs().results()}, null until (or unless) saved. */
  private final List<LibraryImage> savedResults = new ArrayList<>();

  private final List<CompletableFuture<LibraryImage>> saves = new ArrayList<>();
  private ModelInfo model;
  private GalleryReveal reveal;
  private final LightboxOpener lightbox;
  private boolean closed;

  /**
   * Fills the window's slots and starts opening the library.
   *
   * @param openLibrary opens the library (runs on the library thread): {@link Library#open()} in
   *     the application, a temporary folder in tests
   */
  public StudioParts(StudioViewModel vm, StudioWindow window, Supplier<Library> openLibrary) {
    this.vm = vm;
    this.window = window;
    this.lightbox = new LightboxOpener(vm, window);
    window.timelineSlot().getChildren().setAll(new TimelinePane(timeline));
    // Scrubbing or playing the timeline shows that step on the live canvas; the newest step (or
    // an empty timeline) gives the canvas back to the live run.
    timeline.selectedFrameProperty().addListener((o, a, b) -> followTimeline());
    timeline.playingProperty().addListener((o, a, b) -> followTimeline());
    // Another source on the canvas is live: the timeline goes back to its newest step.
    vm.live().previewSourceProperty().addListener((o, a, b) -> timeline.selectNewest());
    window.explainSlot().getChildren().setAll(new ExplainPane(explain));
    // The schedule plots mark where an img2img run at the chosen strength starts, and the
    // forward-process explorer shows the init image noised to that t: what the run starts from.
    Runnable strength =
        () -> {
          RgbImage init = vm.initImage().imageProperty().get();
          explain.setStrength(init == null ? Double.NaN : vm.initImage().strengthProperty().get());
          double t = explain.strengthTimestepProperty().get();
          if (init != null && !Double.isNaN(t)) {
            explain.explorerTimestepProperty().set((int) Math.round(t));
          }
        };
    vm.initImage()
        .imageProperty()
        .addListener(
            (o, a, b) -> {
              if (b != null) {
                explain.offerImage(b);
              }
              strength.run();
            });
    vm.initImage().strengthProperty().addListener((o, a, b) -> strength.run());
    vm.addStudioListener(new Follower());
    window.setOnOpenParameters(this::chooseParameterFile);
    window.setOnDropFile(this::openParameters);
    window.resultsStrip().setOnOpen(this::showResult);
    window.resultsStrip().setOnView(this::viewResult);
    window.setOnViewLarge(this::viewLarge);
    vm.compare().setOnGridDone(this::saveGrid);
    library = CompletableFuture.supplyAsync(openLibrary, libraryThread);
    library.whenComplete(
        (lib, failure) ->
            Platform.runLater(
                () -> {
                  if (failure != null) {
                    libraryFailed(failure);
                  } else {
                    libraryOpened(lib);
                  }
                }));
  }

  private void followTimeline() {
    TimelineViewModel.Frame f = timeline.selectedFrameProperty().get();
    if (f != null && (timeline.playingProperty().get() || !timeline.isNewest(f))) {
      vm.live().showStep(f.image());
    } else {
      vm.live().showLive();
    }
  }

  private void libraryOpened(Library lib) {
    if (closed) {
      return;
    }
    GalleryViewModel g = new GalleryViewModel(lib);
    g.setOnReuse(this::reuse);
    // Before this session's first image, the explorer starts from the library's newest one.
    libraryThread.execute(
        () -> {
          try {
            List<LibraryImage> newest =
                lib.find(new LibraryQuery(null, null, false, null, null, null, 1));
            if (!newest.isEmpty()) {
              Path file = newest.get(0).file();
              Platform.runLater(
                  () -> {
                    if (!closed) {
                      explain.offerImageFile(file);
                    }
                  });
            }
          } catch (RuntimeException e) {
            LOG.warn("the newest library image was not offered to the explain view", e);
          }
        });
    gallery.set(g);
    GalleryPane pane = new GalleryPane(g);
    pane.setOnViewLarge(img -> viewGallery(g, img));
    pane.setOnSendToImg2img(this::sendToImg2img);
    window.gallerySlot().getChildren().setAll(pane);
  }

  private void libraryFailed(Throwable failure) {
    Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
    LOG.error("the library did not open", cause);
    String sentence = sentence(cause);
    window.gallerySlot().getChildren().setAll(new javafx.scene.control.Label(sentence));
    vm.status().showError("The library could not be opened. " + sentence);
  }

  private static String sentence(Throwable t) {
    if ((t instanceof MetadataException || t instanceof EngineException)
        && t.getMessage() != null) {
      return t.getMessage();
    }
    return "An unexpected " + t.getClass().getSimpleName() + " happened; the log has the details.";
  }

  /**
   * Hears the run on the FX thread and feeds the timeline, the explain view and the library. The
   * timeline and the explain view keep the previous image until the new job's first step: a job
   * that fails before it (a file that cannot be read, a size that does not fit) leaves them alone.
   */
  private final class Follower implements StudioListener {
    private Runnable pendingJob;

    /** The steps the current image runs (fewer than the setting for img2img), 0 before step 1. */
    private int imageSteps;

    @Override
    public void jobStarted(
        Path packDir, SchedulerConfig scheduler, GenerationRequest request, ModelInfo info) {
      pendingJob =
          () -> {
            model = info;
            if (scheduler != null) {
              explain.setModel(
                  packDir,
                  scheduler,
                  request.settings().sampler().cliName(),
                  request.settings().karras(),
                  request.settings().steps());
            }
            explain.setCurrentStep(-1);
            explain.setStrength(
                request.input() == null ? Double.NaN : request.input().settings().strength());
          };
    }

    @Override
    public void imageStarted(int imageIndex, long seed, int totalSteps) {
      if (pendingJob != null) {
        pendingJob.run();
        pendingJob = null;
      }
      timeline.reset(totalSteps); // the timeline holds the steps of the current image
      imageSteps = totalSteps;
    }

    @Override
    public void stepPreview(int imageIndex, int step, RgbImage frame) {
      if (frame != null) {
        timeline.addFrame(step, frame); // the decoded picture at the output size
      }
      explain.setCurrentStep(step);
    }

    @Override
    public void imageFinished(GenerationRequest request, GeneratedImage image) {
      // The saved image ends the timeline (the engine's last x0 / x_t frame is already it; an eps
      // frame or a run without previews is replaced or completed here), at the last step that
      // ran (an img2img run takes only the steps its strength leaves).
      if (imageSteps == 0) { // img2img at strength 0 runs no step: the image is all there is
        imageStarted(0, image.seed(), 1);
      }
      timeline.addFrame(imageSteps - 1, image.image());
      imageSteps = 0;
      explain.offerImage(image.image()); // the forward-process explorer starts from it
      save(request, image);
    }
  }

  private void save(GenerationRequest request, GeneratedImage image) {
    int index = savedResults.size();
    savedResults.add(null);
    RgbImage rgb = image.image();
    ImageToSave toSave =
        new ImageToSave(
            rgb.width(), rgb.height(), rgb.rgb(), StudioRecipes.of(request, image, model));
    ImageInput in = request.input();
    ModelInfo madeBy = model;
    CompletableFuture<LibraryImage> done =
        library.thenApplyAsync(
            lib -> {
              Recipe recipe = toSave.recipe();
              if (in != null) { // the init image and mask kept in the library, named by hash
                RgbImage init = in.image();
                Map<String, String> keys =
                    LibraryInputs.keys(
                        lib,
                        init.width(),
                        init.height(),
                        init.rgb(),
                        in.mask() == null ? null : in.mask().rgb());
                recipe = StudioRecipes.of(request, image, madeBy, keys);
              }
              return lib.save(toSave.width(), toSave.height(), toSave.rgb(), recipe);
            },
            libraryThread);
    saves.add(done);
    done.whenComplete(
        (saved, failure) ->
            Platform.runLater(
                () -> {
                  if (failure != null) {
                    Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
                    LOG.error("an image was not saved", cause);
                    vm.status()
                        .showError(
                            "The image with seed "
                                + image.seed()
                                + " was not saved to the library. "
                                + sentence(cause));
                    GalleryViewModel g = gallery.get();
                    if (g != null) {
                      List<ImageToSave> retry = new ArrayList<>(g.unsaved());
                      retry.add(toSave);
                      g.offerBatch(retry); // "Save all" tries again
                    }
                    return;
                  }
                  savedResults.set(index, saved);
                  GalleryViewModel g = gallery.get();
                  if (g != null && !closed) { // a save that ends after close() has no gallery
                    g.refresh();
                  }
                }));
  }

  /** Saves a finished compare grid into the library. */
  private void saveGrid(ImageToSave grid) {
    CompletableFuture<LibraryImage> done =
        library.thenApplyAsync(
            lib -> lib.save(grid.width(), grid.height(), grid.rgb(), grid.recipe()), libraryThread);
    saves.add(done);
    done.whenComplete(
        (saved, failure) ->
            Platform.runLater(
                () ->
                    vm.status()
                        .showStatus(
                            failure == null
                                ? "Saved the compare grid to the library."
                                : "The compare grid was not saved to the library. "
                                    + sentence(
                                        failure.getCause() != null
                                            ? failure.getCause()
                                            : failure))));
  }

  private void showResult(int index) {
    LibraryImage img = index < savedResults.size() ? savedResults.get(index) : null;
    GalleryViewModel g = gallery.get();
    if (img == null || g == null) {
      vm.status().showStatus("That image is not in the library yet.");
      return;
    }
    if (reveal == null || reveal.gallery() != g) {
      reveal = new GalleryReveal(g);
    }
    String cleared = reveal.reveal(img);
    if (cleared != null) {
      vm.status().showStatus(cleared);
    }
    window.showGallery();
  }

  /**
   * F or Space: the gallery's focused image when the gallery is in front, else the newest result.
   * False when there is nothing to show.
   */
  private boolean viewLarge() {
    GalleryViewModel g = gallery.get();
    if (g != null && window.galleryShown() && !g.images().isEmpty()) {
      LibraryImage focused = g.focused().get();
      viewGallery(g, focused != null ? focused : g.images().get(0));
      return true;
    }
    if (vm.jobs().results().isEmpty()) {
      return false;
    }
    viewResult(vm.jobs().results().size() - 1);
    return true;
  }

  /** Opens the lightbox on result {@code index}; the arrow keys step through this session's. */
  public void viewResult(int index) {
    if (!closed) {
      lightbox.results(savedResults, model, index);
    }
  }

  private void viewGallery(GalleryViewModel g, LibraryImage img) {
    if (!closed) {
      lightbox.gallery(g, img);
    }
  }

  /** The lightbox opened last (it may be closed since), or null. */
  public LightboxWindow lightbox() {
    return lightbox.window();
  }

  /**
   * Starts the next runs from the picture in {@code file} (the gallery's "Send to img2img"): read
   * off the FX thread, then the init image and the size; the canvas is shown. Completes on the FX
   * thread.
   */
  public CompletableFuture<Void> sendToImg2img(Path file) {
    CompletableFuture<Void> shown = new CompletableFuture<>();
    CompletableFuture.supplyAsync(() -> ImageFiles.read(file, "init image").flattened())
        .whenComplete(
            (img, failure) ->
                Platform.runLater(
                    () -> {
                      if (failure != null) {
                        Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
                        vm.status().showError(sentence(cause));
                      } else if (!closed) {
                        vm.useInitImage(img, String.valueOf(file.getFileName()));
                        window.showCanvas();
                        vm.status()
                            .showStatus("The next runs start from " + file.getFileName() + ".");
                      }
                      shown.complete(null);
                    }));
    return shown;
  }

  /** Fills every control from {@code recipe} (the seed too when asked) and shows the canvas. */
  public void reuse(Recipe recipe, boolean keepSeed) {
    List<String> notices = RecipeControls.apply(vm, recipe, keepSeed);
    vm.live().clear(); // the canvas no longer shows an image these controls did not make
    window.showCanvas();
    report("Reused the recipe of seed " + recipe.seed() + ".", notices);
    restoreInitImage(recipe);
  }

  /**
   * Loads the library's copies of the init image and mask that an img2img recipe names ({@code Init
   * image}, {@code Mask image}) into the init image area, off the FX thread; a copy this library
   * does not have leaves the init image as it is and says so. Completes on the FX thread.
   */
  public CompletableFuture<Void> restoreInitImage(Recipe recipe) {
    String hash = recipe.initImageHash();
    if (hash == null || recipe.imageSettings() == null) {
      return CompletableFuture.completedFuture(null);
    }
    String maskHash = recipe.maskHash();
    CompletableFuture<Void> shown = new CompletableFuture<>();
    library
        .thenApplyAsync(
            lib -> {
              Path init = lib.input(hash);
              Path mask = maskHash == null ? null : lib.input(maskHash);
              return init == null
                  ? null
                  : new RgbImage[] {
                    ImageFiles.read(init, "init image").flattened(),
                    mask == null ? null : ImageFiles.read(mask, "mask").maskGrey()
                  };
            },
            libraryThread)
        .whenComplete(
            (pictures, failure) ->
                Platform.runLater(
                    () -> {
                      if (closed) {
                        shown.complete(null);
                        return;
                      }
                      if (failure != null) {
                        Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
                        vm.status()
                            .showError("The init image was not restored. " + sentence(cause));
                      } else if (pictures == null) {
                        vm.status()
                            .showStatus(
                                "The init image "
                                    + hash
                                    + " is not in this library, so the init image stays as it"
                                    + " is.");
                      } else {
                        vm.initImage().set(pictures[0], "library copy " + hash);
                        if (pictures[1] != null) {
                          String problem = vm.initImage().setMask(pictures[1]);
                          if (problem != null) {
                            vm.status().showError(problem);
                          }
                        }
                      }
                      shown.complete(null);
                    }));
    return shown;
  }

  private void report(String done, List<String> notices) {
    String text = notices.isEmpty() ? done : done + " " + String.join(" ", notices);
    vm.status().showStatus(text);
    if (!notices.isEmpty()) {
      window.notifyInfo(String.join(" ", notices));
    }
  }

  private void chooseParameterFile() {
    FileChooser chooser = new FileChooser();
    chooser.setTitle("Open image parameters (an image made by Stepwise or another studio)");
    chooser
        .getExtensionFilters()
        .add(
            new FileChooser.ExtensionFilter(
                "PNG, JPEG and WebP images", "*.png", "*.jpg", "*.jpeg", "*.webp"));
    File f =
        chooser.showOpenDialog(
            window.root().getScene() == null ? null : window.root().getScene().getWindow());
    if (f != null) {
      openParameters(f.toPath());
    }
  }

  /**
   * Reads a PNG's parameters off the FX thread and fills the controls with them (the seed too);
   * notices (a sampler mapped, keys ignored) go to the status bar, a file Stepwise cannot read to
   * the error line as one sentence. Completes on the FX thread once the controls are filled or the
   * error shown.
   */
  public CompletableFuture<Void> openParameters(Path png) {
    CompletableFuture<Void> shown = new CompletableFuture<>();
    CompletableFuture.supplyAsync(() -> ImageParameters.read(png))
        .whenComplete(
            (params, failure) ->
                Platform.runLater(
                    () -> {
                      try {
                        if (failure != null) {
                          Throwable cause =
                              failure.getCause() != null ? failure.getCause() : failure;
                          vm.status().showError(sentence(cause));
                        } else {
                          vm.status().clearError();
                          List<String> notices = new ArrayList<>(params.notices());
                          notices.addAll(RecipeControls.apply(vm, params.recipe(), true));
                          vm.live().clear();
                          window.showCanvas();
                          report("Loaded the parameters of " + png.getFileName() + ".", notices);
                          restoreInitImage(params.recipe());
                        }
                      } finally {
                        shown.complete(null);
                      }
                    }));
    return shown;
  }

  /** The step timeline's state. */
  public TimelineViewModel timeline() {
    return timeline;
  }

  /** The explain view's state. */
  public ExplainViewModel explain() {
    return explain;
  }

  /** The gallery's view-model; null until the library is open (or when it failed to open). */
  public ObjectProperty<GalleryViewModel> galleryProperty() {
    return gallery;
  }

  /** Completes when every image finished so far is saved (or failed); for tests and shutdown. */
  public CompletableFuture<Void> savesDone() {
    return CompletableFuture.allOf(saves.toArray(CompletableFuture[]::new))
        .exceptionally(t -> null);
  }

  /**
   * Lets pending saves finish (up to 30 s), then closes the gallery, the library and the explain
   * view's model thread.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    lightbox.close();
    explain.close();
    GalleryViewModel g = gallery.get();
    if (g != null) {
      g.close();
    }
    // The library thread runs its tasks in order: opening first, then the queued saves.
    libraryThread.execute(
        () -> {
          Library lib = library.isCompletedExceptionally() ? null : library.getNow(null);
          if (lib != null) {
            lib.close();
          }
        });
    libraryThread.shutdown();
    try {
      if (!libraryThread.awaitTermination(30, TimeUnit.SECONDS)) {
        LOG.warn("the library thread did not finish in 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
