package dev.stepwise.app.gallery;

import dev.stepwise.gallery.DeletedImages;
import dev.stepwise.gallery.Library;
import java.util.List;
import java.util.function.Consumer;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;

/**
 * The gallery's delete and its one-step undo: images go to the library's trash, and the last delete
 * can be brought back. Part of {@link GalleryViewModel}; its state changes on the JavaFX thread, as
 * the view model's does.
 */
final class GalleryDeletes {
  private final Library library;
  private final LibraryTasks tasks;
  private final Consumer<String> message;
  private final Runnable refresh;
  private final ReadOnlyBooleanWrapper canUndo = new ReadOnlyBooleanWrapper();
  private DeletedImages last;

  GalleryDeletes(Library library, LibraryTasks tasks, Consumer<String> message, Runnable refresh) {
    this.library = library;
    this.tasks = tasks;
    this.message = message;
    this.refresh = refresh;
  }

  /** Whether the last delete can be undone. */
  ReadOnlyBooleanProperty canUndo() {
    return canUndo.getReadOnlyProperty();
  }

  /** Moves {@code ids} to the trash; {@code deleted} runs first once they are gone. */
  void delete(List<Long> ids, Runnable deleted) {
    if (ids.isEmpty()) {
      return;
    }
    tasks.run(
        () -> library.delete(ids),
        d -> {
          last = d;
          canUndo.set(true);
          deleted.run();
          message.accept("Deleted " + d.items().size() + " image(s); Undo brings them back.");
          refresh.run();
        });
  }

  /** Restores the images of the last delete. */
  void undo() {
    DeletedImages d = last;
    if (d == null) {
      return;
    }
    last = null;
    canUndo.set(false);
    tasks.run(
        () -> library.undoDelete(d),
        back -> {
          message.accept("Restored " + back.size() + " image(s).");
          refresh.run();
        });
  }
}
