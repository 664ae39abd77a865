package dev.stepwise.app.gallery;

import dev.stepwise.gallery.Library;
import dev.stepwise.gallery.LibraryImage;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import javafx.beans.value.ObservableValue;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * Tags in the gallery: owns the focused image's tag list, kept up to date as the focus moves, and
 * the commands that tag images and take a tag off the focused image. {@link GalleryViewModel}
 * creates it, chooses which images a tag goes on and exposes the list; library work runs through
 * the view-model's {@link LibraryTasks}. Used on the JavaFX thread.
 */
final class GalleryTags {
  private final ObservableList<String> focusedTags = FXCollections.observableArrayList();
  private final Library library;
  private final LibraryTasks tasks;
  private final ObservableValue<LibraryImage> focused;
  private final Consumer<String> messages;
  private final Runnable refresh;

  /**
   * @param focused the focused image, read (never written) to load and change its tags
   * @param messages receives one sentence about each tagging
   * @param refresh runs the gallery's query again (a removed tag can change what search finds)
   */
  GalleryTags(
      Library library,
      LibraryTasks tasks,
      ObservableValue<LibraryImage> focused,
      Consumer<String> messages,
      Runnable refresh) {
    this.library = library;
    this.tasks = tasks;
    this.focused = focused;
    this.messages = messages;
    this.refresh = refresh;
    focused.addListener((o, a, b) -> load());
  }

  /** The focused image's tags, sorted (empty when none is focused). */
  ObservableList<String> focusedTags() {
    return focusedTags;
  }

  /** Tags the images {@code ids}; none is reported as one sentence. */
  void tag(List<Long> ids, String tag) {
    if (ids.isEmpty()) {
      messages.accept("Select images first, then tag them.");
      return;
    }
    tasks.run(
        () -> {
          for (long id : ids) {
            library.tag(id, tag);
          }
          return null;
        },
        r -> {
          messages.accept(
              "Tagged "
                  + ids.size()
                  + " image(s) '"
                  + tag.strip().toLowerCase(Locale.ROOT)
                  + "'; search #tag to find them.");
          load();
        });
  }

  /** Removes a tag from the focused image, if any. */
  void untag(String tag) {
    LibraryImage img = focused.getValue();
    if (img == null) {
      return;
    }
    tasks.run(
        () -> {
          library.untag(img.id(), tag);
          return null;
        },
        r -> {
          load();
          refresh.run();
        });
  }

  private void load() {
    LibraryImage img = focused.getValue();
    if (img == null) {
      focusedTags.clear();
      return;
    }
    tasks.run(
        () -> library.tags(img.id()),
        tags -> {
          LibraryImage now = focused.getValue();
          if (now != null && now.id() == img.id()) {
            focusedTags.setAll(tags);
          }
        });
  }
}
