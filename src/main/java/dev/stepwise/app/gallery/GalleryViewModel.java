package dev.stepwise.app.gallery;

import dev.stepwise.gallery.DeletedImages;
import dev.stepwise.gallery.ImageToSave;
import dev.stepwise.gallery.Library;
import dev.stepwise.gallery.LibraryImage;
import dev.stepwise.gallery.LibraryQuery;
import dev.stepwise.metadata.MetadataException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import javafx.application.Platform;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The gallery's state and actions, without any controls: what {@link GalleryPane} shows and what
 * its buttons do.
 *
 * <p>Library work runs on a background executor; every property and list changes on the JavaFX
 * thread (the {@code fx} executor). Failures end up in {@link #message()} as one sentence.
 */
public final class GalleryViewModel implements AutoCloseable {
  private final Library library;
  private final Executor background;
  private final Executor fx;
  private final ExecutorService ownPool;
  private final AtomicLong generation = new AtomicLong();

  private final ObservableList<LibraryImage> images = FXCollections.observableArrayList();
  private final ObservableList<LibraryImage> selection = FXCollections.observableArrayList();
  private final ObjectProperty<LibraryImage> focused = new SimpleObjectProperty<>();
  private final StringProperty search = new SimpleStringProperty("");
  private final ObjectProperty<String> gallery = new SimpleObjectProperty<>();
  private final BooleanProperty favouritesOnly = new SimpleBooleanProperty();
  private final ObjectProperty<String> model = new SimpleObjectProperty<>();
  private final ObjectProperty<LocalDate> from = new SimpleObjectProperty<>();
  private final ObjectProperty<LocalDate> to = new SimpleObjectProperty<>();
  private final ObservableList<String> galleries = FXCollections.observableArrayList();
  private final ObservableList<String> models = FXCollections.observableArrayList();
  private final StringProperty message = new SimpleStringProperty("");
  private final ObservableList<ImageToSave> unsaved = FXCollections.observableArrayList();
  private final BooleanProperty canUndo = new SimpleBooleanProperty();
  private final ObservableList<String> focusedTags = FXCollections.observableArrayList();
  private DeletedImages lastDeleted;
  private ReuseListener onReuse = (r, keepSeed) -> { };
  private FolderOpener folderOpener = FolderOpener.desktop();

  /** Creates the view-model with its own background threads, publishing on the JavaFX thread. */
  public GalleryViewModel(Library library) {
    this(library, null, Platform::runLater);
  }

  /**
   * Creates the view-model with the given executors (tests pass {@code Runnable::run} for both).
   *
   * @param background where library work runs, or null for two daemon threads of its own
   * @param fx where results are published: the JavaFX thread
   */
  public GalleryViewModel(Library library, Executor background, Executor fx) {
    this.library = library;
    this.ownPool = background == null ? Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "gallery");
      t.setDaemon(true);
      return t;
    }) : null;
    this.background = background == null ? ownPool : background;
    this.fx = fx;
    search.addListener((o, a, b) -> refresh());
    gallery.addListener((o, a, b) -> refresh());
    favouritesOnly.addListener((o, a, b) -> refresh());
    model.addListener((o, a, b) -> refresh());
    from.addListener((o, a, b) -> refresh());
    to.addListener((o, a, b) -> refresh());
    focused.addListener((o, a, b) -> loadFocusedTags());
  }

  /** Returns the library shown. */
  public Library library() {
    return library;
  }

  /** Sets who receives "Reuse": the studio connects its controls here. */
  public void setOnReuse(ReuseListener listener) {
    onReuse = listener == null ? (r, keepSeed) -> { } : listener;
  }

  /** Sets how "Open containing folder" opens a folder (default: {@link FolderOpener#desktop()}). */
  public void setFolderOpener(FolderOpener opener) {
    folderOpener = opener == null ? FolderOpener.desktop() : opener;
  }

  /** The images matching the filters, newest first. */
  public ObservableList<LibraryImage> images() {
    return images;
  }

  /** The selected images (several for "Add to gallery", delete and export). */
  public ObservableList<LibraryImage> selection() {
    return selection;
  }

  /** The image whose recipe the details pane shows, or null. */
  public ObjectProperty<LibraryImage> focused() {
    return focused;
  }

  /** The search words. */
  public StringProperty search() {
    return search;
  }

  /** The gallery filter, or null for all images. */
  public ObjectProperty<String> gallery() {
    return gallery;
  }

  /** Whether only favourites are shown. */
  public BooleanProperty favouritesOnly() {
    return favouritesOnly;
  }

  /** The model filter, or null for all models. */
  public ObjectProperty<String> model() {
    return model;
  }

  /** The first day shown (local time), or null. */
  public ObjectProperty<LocalDate> from() {
    return from;
  }

  /** The last day shown, inclusive, or null. */
  public ObjectProperty<LocalDate> to() {
    return to;
  }

  /** The library's gallery names. */
  public ObservableList<String> galleries() {
    return galleries;
  }

  /** The library's model names. */
  public ObservableList<String> models() {
    return models;
  }

  /** One sentence about the last action or failure. */
  public StringProperty message() {
    return message;
  }

  /** A finished batch offered for "Save all", empty when none. */
  public ObservableList<ImageToSave> unsaved() {
    return unsaved;
  }

  /** Whether the last delete can be undone. */
  public BooleanProperty canUndo() {
    return canUndo;
  }

  /** Returns the library query the filters describe. */
  public LibraryQuery query() {
    ZoneId zone = ZoneId.systemDefault();
    return new LibraryQuery(
        search.get(),
        gallery.get(),
        favouritesOnly.get(),
        model.get(),
        from.get() == null ? null : from.get().atStartOfDay(zone).toInstant(),
        to.get() == null ? null : to.get().plusDays(1).atStartOfDay(zone).toInstant(),
        LibraryQuery.MAX_LIMIT);
  }

  /** Runs the query again and refreshes the images, galleries and models. */
  public void refresh() {
    long gen = generation.incrementAndGet();
    LibraryQuery q = query();
    run(() -> new Object[] {library.find(q), library.galleries(), library.models()}, r -> {
      if (gen != generation.get()) {
        return; // a newer refresh is on its way
      }
      @SuppressWarnings("unchecked")
      List<LibraryImage> found = (List<LibraryImage>) r[0];
      images.setAll(found);
      @SuppressWarnings("unchecked")
      List<String> g = (List<String>) r[1];
      @SuppressWarnings("unchecked")
      List<String> m = (List<String>) r[2];
      if (!galleries.equals(g)) {
        galleries.setAll(g);
      }
      if (!models.equals(m)) {
        models.setAll(m);
      }
      List<Long> shown = found.stream().map(LibraryImage::id).toList();
      selection.removeIf(i -> !shown.contains(i.id()));
      if (focused.get() != null && !shown.contains(focused.get().id())) {
        focused.set(null);
      }
    });
  }

  /** Scans the library folder for images added, changed or removed outside Stepwise, then refreshes. */
  public void rescan() {
    run(library::scan, r -> {
      message.set("Found " + r.added() + " new, " + r.updated() + " changed and " + r.removed()
          + " removed image(s)" + (r.skipped().isEmpty() ? "." : "; " + r.skipped().size()
          + " file(s) could not be read: " + r.skipped().get(0)));
      refresh();
    });
  }

  /**
   * Selects an image: alone, or added to (removed from, when already there) the selection when
   * {@code extend} is true; the details pane follows.
   */
  public void select(LibraryImage image, boolean extend) {
    if (!extend) {
      selection.setAll(image);
    } else if (!selection.removeIf(i -> i.id() == image.id())) {
      selection.add(image);
    }
    focused.set(image);
  }

  /** Adds the selected images to a gallery, creating it when new. */
  public void addSelectionToGallery(String name) {
    List<Long> ids = ids();
    if (ids.isEmpty()) {
      message.set("Select images first, then add them to a gallery.");
      return;
    }
    run(() -> {
      library.addToGallery(name, ids);
      return null;
    }, r -> {
      message.set("Added " + ids.size() + " image(s) to " + name.strip() + ".");
      refresh();
    });
  }

  /** Marks or unmarks an image as a favourite. */
  public void setFavourite(LibraryImage image, boolean favourite) {
    run(() -> {
      library.setFavourite(image.id(), favourite);
      return library.get(image.id());
    }, updated -> {
      if (focused.get() != null && focused.get().id() == image.id()) {
        focused.set(updated);
      }
      refresh();
    });
  }

  /** The focused image's tags, sorted (empty when none is focused). */
  public ObservableList<String> focusedTags() {
    return focusedTags;
  }

  /**
   * Tags the selected images (the focused one when nothing is selected); search finds them with
   * {@code #tag}.
   */
  public void addTag(String tag) {
    List<Long> ids = ids();
    if (ids.isEmpty() && focused.get() != null) {
      ids = List.of(focused.get().id());
    }
    if (ids.isEmpty()) {
      message.set("Select images first, then tag them.");
      return;
    }
    List<Long> targets = ids;
    run(() -> {
      for (long id : targets) {
        library.tag(id, tag);
      }
      return null;
    }, r -> {
      message.set("Tagged " + targets.size() + " image(s) '" + tag.strip().toLowerCase(
          java.util.Locale.ROOT) + "'; search #tag to find them.");
      loadFocusedTags();
    });
  }

  /** Removes a tag from the focused image. */
  public void removeTag(String tag) {
    LibraryImage img = focused.get();
    if (img == null) {
      return;
    }
    run(() -> {
      library.untag(img.id(), tag);
      return null;
    }, r -> {
      loadFocusedTags();
      refresh();
    });
  }

  private void loadFocusedTags() {
    LibraryImage img = focused.get();
    if (img == null) {
      focusedTags.clear();
      return;
    }
    run(() -> library.tags(img.id()), tags -> {
      if (focused.get() != null && focused.get().id() == img.id()) {
        focusedTags.setAll(tags);
      }
    });
  }

  /** Moves the selected images to the library's trash; {@link #undoDelete()} brings them back. */
  public void deleteSelection() {
    List<Long> ids = ids();
    if (ids.isEmpty()) {
      return;
    }
    run(() -> library.delete(ids), d -> {
      lastDeleted = d;
      canUndo.set(true);
      selection.clear();
      focused.set(null);
      message.set("Deleted " + d.items().size() + " image(s); Undo brings them back.");
      refresh();
    });
  }

  /** Restores the images of the last delete. */
  public void undoDelete() {
    DeletedImages d = lastDeleted;
    if (d == null) {
      return;
    }
    lastDeleted = null;
    canUndo.set(false);
    run(() -> library.undoDelete(d), back -> {
      message.set("Restored " + back.size() + " image(s).");
      refresh();
    });
  }

  /** Copies the selected images into a folder. */
  public void exportSelection(Path folder) {
    List<Long> ids = ids();
    run(() -> library.exportCopy(ids, folder),
        files -> message.set("Copied " + files.size() + " image(s) into " + folder + "."));
  }

  /**
   * Writes the selected images into a zip file; an existing regular file there is replaced (the
   * save dialog has already asked).
   */
  public void exportSelectionZip(Path zip) {
    List<Long> ids = ids();
    run(() -> library.exportZip(ids, zip, true),
        f -> message.set("Wrote " + ids.size() + " image(s) into " + f + "."));
  }

  /** Opens the folder holding the focused image, or says in one sentence why it cannot. */
  public void openContainingFolder() {
    LibraryImage img = focused.get();
    Path folder = img == null ? library.folder() : img.file().getParent();
    run(() -> folderOpener.open(folder), ok -> {
      if (!ok) {
        message.set("This system cannot open folders from Stepwise; the images are in "
            + folder + ".");
      }
    });
  }

  /** Hands the focused image's recipe to the studio, with or without its seed. */
  public void reuse(boolean keepSeed) {
    LibraryImage img = focused.get();
    if (img == null || img.recipe() == null) {
      message.set(img == null ? "Select an image to reuse its recipe."
          : "This image has no recipe Stepwise can reuse: " + img.notice());
      return;
    }
    onReuse.reuse(img.recipe(), keepSeed);
  }

  /** Offers a finished batch for "Save all" (replacing any batch offered before). */
  public void offerBatch(List<ImageToSave> batch) {
    unsaved.setAll(batch);
  }

  /** Saves the offered batch into the library. */
  public void saveAll() {
    List<ImageToSave> batch = new ArrayList<>(unsaved);
    if (batch.isEmpty()) {
      return;
    }
    run(() -> library.saveAll(batch), saved -> {
      unsaved.removeAll(batch);
      message.set("Saved " + saved.size() + " image(s) into the library.");
      refresh();
    });
  }

  /** Saves one image at once (the studio's auto-save) and refreshes. */
  public CompletableFuture<LibraryImage> save(ImageToSave image) {
    CompletableFuture<LibraryImage> done = new CompletableFuture<>();
    run(() -> library.save(image.width(), image.height(), image.rgb(), image.recipe()), saved -> {
      done.complete(saved);
      refresh();
    });
    return done;
  }

  /**
   * Loads an image's thumbnail (PNG bytes) in the background; completes with null, without
   * loading, when {@code stillWanted} says no by the time the work starts (a grid cell scrolled
   * on), and exceptionally when the image cannot be decoded.
   */
  public CompletableFuture<byte[]> thumbnail(LibraryImage image, BooleanSupplier stillWanted) {
    try {
      return CompletableFuture.supplyAsync(
          () -> stillWanted.getAsBoolean() ? library.thumbnail(image.id()) : null, background);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return CompletableFuture.completedFuture(null); // closed: nothing more to load
    }
  }

  private List<Long> ids() {
    return selection.stream().map(LibraryImage::id).toList();
  }

  private <T> void run(Supplier<T> work, java.util.function.Consumer<T> then) {
    background.execute(() -> {
      T result;
      try {
        result = work.get();
      } catch (MetadataException e) {
        fx.execute(() -> message.set(e.getMessage()));
        return;
      } catch (RuntimeException e) {
        fx.execute(() -> message.set("The library action failed (" + e.getClass().getSimpleName()
            + "); see the log."));
        return;
      }
      fx.execute(() -> then.accept(result));
    });
  }

  /** Stops the view-model's own background threads. */
  @Override
  public void close() {
    if (ownPool != null) {
      ownPool.shutdownNow();
    }
  }
}
