package dev.stepwise.app.gallery;

import dev.stepwise.gallery.ImageToSave;
import dev.stepwise.gallery.Library;
import dev.stepwise.gallery.LibraryImage;
import dev.stepwise.gallery.LibraryQuery;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import javafx.application.Platform;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The gallery's state and actions, without any controls: what {@link GalleryPane} shows and what
 * its buttons do. It owns the images found, the selection and focused image, the message line, the
 * export and "Save all" commands; the search and filters are its {@link GalleryFilters}, tagging is
 * delegated to {@link GalleryTags}, delete and undo to {@link GalleryDeletes}.
 *
 * <p>Library work runs on a background executor ({@link LibraryTasks}); every property and list
 * changes on the JavaFX thread (the {@code fx} executor). Failures end up in {@link #message()} as
 * one sentence.
 */
public final class GalleryViewModel implements AutoCloseable {
  /** One refresh's answer: the images found and the library's gallery and model names. */
  private record Listing(List<LibraryImage> images, List<String> galleries, List<String> models) {}

  private final Library library;
  private final LibraryTasks tasks;
  private final GalleryTags tags;
  private final GalleryDeletes deletes;
  private final GalleryFilters filters = new GalleryFilters(this::refresh);
  private final AtomicLong generation = new AtomicLong();

  private final ObservableList<LibraryImage> images = FXCollections.observableArrayList();
  private final ObservableList<LibraryImage> selection = FXCollections.observableArrayList();
  private final ObjectProperty<LibraryImage> focused = new SimpleObjectProperty<>();
  private final ObservableList<String> galleries = FXCollections.observableArrayList();
  private final ObservableList<String> models = FXCollections.observableArrayList();
  private final StringProperty message = new SimpleStringProperty("");
  private final ObservableList<ImageToSave> unsaved = FXCollections.observableArrayList();
  private ReuseListener onReuse = (r, keepSeed) -> {};
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
    this.tasks = new LibraryTasks(background, fx, message::set);
    this.tags = new GalleryTags(library, tasks, focused, message::set, this::refresh);
    this.deletes = new GalleryDeletes(library, tasks, message::set, this::refresh);
  }

  /** Returns the library shown. */
  public Library library() {
    return library;
  }

  /** Sets who receives "Reuse": the studio connects its controls here. */
  public void setOnReuse(ReuseListener listener) {
    onReuse = listener == null ? (r, keepSeed) -> {} : listener;
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

  /** The search and filters; a change runs the query again. */
  public GalleryFilters filters() {
    return filters;
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
  public ReadOnlyBooleanProperty canUndo() {
    return deletes.canUndo();
  }

  /** Runs the query again and refreshes the images, galleries and models. */
  public void refresh() {
    long gen = generation.incrementAndGet();
    LibraryQuery q = filters.query();
    tasks.run(
        () -> new Listing(library.find(q), library.galleries(), library.models()),
        r -> {
          if (gen != generation.get()) {
            return; // a newer refresh is on its way
          }
          images.setAll(r.images());
          if (!galleries.equals(r.galleries())) {
            galleries.setAll(r.galleries());
          }
          if (!models.equals(r.models())) {
            models.setAll(r.models());
          }
          List<Long> shown = r.images().stream().map(LibraryImage::id).toList();
          selection.removeIf(i -> !shown.contains(i.id()));
          if (focused.get() != null && !shown.contains(focused.get().id())) {
            focused.set(null);
          }
        });
  }

  /** Scans the library folder for images added, changed or removed elsewhere, then refreshes. */
  public void rescan() {
    tasks.run(
        library::scan,
        r -> {
          message.set(
              "Found "
                  + r.added()
                  + " new, "
                  + r.updated()
                  + " changed and "
                  + r.removed()
                  + " removed image(s)"
                  + (r.skipped().isEmpty()
                      ? "."
                      : "; "
                          + r.skipped().size()
                          + " file(s) could not be read: "
                          + r.skipped().get(0)));
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
    tasks.run(
        () -> {
          library.addToGallery(name, ids);
          return null;
        },
        r -> {
          message.set("Added " + ids.size() + " image(s) to " + name.strip() + ".");
          refresh();
        });
  }

  /** Marks or unmarks an image as a favourite. */
  public void setFavourite(LibraryImage image, boolean favourite) {
    tasks.run(
        () -> {
          library.setFavourite(image.id(), favourite);
          return library.get(image.id());
        },
        updated -> {
          if (focused.get() != null && focused.get().id() == image.id()) {
            focused.set(updated);
          }
          refresh();
        });
  }

  /** The focused image's tags, sorted (empty when none is focused). */
  public ObservableList<String> focusedTags() {
    return tags.focusedTags();
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
    tags.tag(ids, tag);
  }

  /** Removes a tag from the focused image. */
  public void removeTag(String tag) {
    tags.untag(tag);
  }

  /** Moves the selected images to the library's trash; {@link #undoDelete()} brings them back. */
  public void deleteSelection() {
    deletes.delete(
        ids(),
        () -> {
          selection.clear();
          focused.set(null);
        });
  }

  /** Restores the images of the last delete. */
  public void undoDelete() {
    deletes.undo();
  }

  /** Copies the selected images into a folder. */
  public void exportSelection(Path folder) {
    List<Long> ids = ids();
    tasks.run(
        () -> library.exportCopy(ids, folder),
        files -> message.set("Copied " + files.size() + " image(s) into " + folder + "."));
  }

  /**
   * Writes the selected images into a zip file; an existing regular file there is replaced (the
   * save dialog has already asked).
   */
  public void exportSelectionZip(Path zip) {
    List<Long> ids = ids();
    tasks.run(
        () -> library.exportZip(ids, zip, true),
        f -> message.set("Wrote " + ids.size() + " image(s) into " + f + "."));
  }

  /** Opens the folder holding the focused image, or says in one sentence why it cannot. */
  public void openContainingFolder() {
    LibraryImage img = focused.get();
    Path folder = img == null ? library.folder() : img.file().getParent();
    tasks.run(
        () -> folderOpener.open(folder),
        ok -> {
          if (!ok) {
            message.set(
                "This system cannot open folders from Stepwise; the images are in " + folder + ".");
          }
        });
  }

  /** Hands the focused image's recipe to the studio, with or without its seed. */
  public void reuse(boolean keepSeed) {
    LibraryImage img = focused.get();
    if (img == null || img.recipe() == null) {
      message.set(
          img == null
              ? "Select an image to reuse its recipe."
              : "This image has no recipe Stepwise can reuse. " + img.notice());
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
    tasks.run(
        () -> library.saveAll(batch),
        saved -> {
          unsaved.removeAll(batch);
          message.set("Saved " + saved.size() + " image(s) into the library.");
          refresh();
        });
  }

  /**
   * Loads an image's thumbnail (PNG bytes) in the background; completes with null, without loading,
   * when {@code stillWanted} says no by the time the work starts (a grid cell scrolled on), and
   * exceptionally when the image cannot be decoded.
   */
  public CompletableFuture<byte[]> thumbnail(LibraryImage image, BooleanSupplier stillWanted) {
    return tasks.supply(() -> stillWanted.getAsBoolean() ? library.thumbnail(image.id()) : null);
  }

  private List<Long> ids() {
    return selection.stream().map(LibraryImage::id).toList();
  }

  /** Stops the view-model's own background threads. */
  @Override
  public void close() {
    tasks.close();
  }
}
