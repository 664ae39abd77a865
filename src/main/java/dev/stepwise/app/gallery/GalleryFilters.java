package dev.stepwise.app.gallery;

import dev.stepwise.gallery.LibraryQuery;
import java.time.LocalDate;
import java.time.ZoneId;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

/**
 * The gallery's filters: it owns the search words, gallery, favourites-only switch, model and date
 * range that {@link GalleryPane} edits, and turns them into the {@link LibraryQuery} the {@link
 * GalleryViewModel} runs. Any change runs the action given at construction (the view-model's
 * refresh). Used on the JavaFX thread.
 */
public final class GalleryFilters {
  private final StringProperty search = new SimpleStringProperty("");
  private final ObjectProperty<String> gallery = new SimpleObjectProperty<>();
  private final BooleanProperty favouritesOnly = new SimpleBooleanProperty();
  private final ObjectProperty<String> model = new SimpleObjectProperty<>();
  private final ObjectProperty<LocalDate> from = new SimpleObjectProperty<>();
  private final ObjectProperty<LocalDate> to = new SimpleObjectProperty<>();

  /** Creates empty filters (every image) that run {@code onChange} whenever one changes. */
  GalleryFilters(Runnable onChange) {
    search.addListener((o, a, b) -> onChange.run());
    gallery.addListener((o, a, b) -> onChange.run());
    favouritesOnly.addListener((o, a, b) -> onChange.run());
    model.addListener((o, a, b) -> onChange.run());
    from.addListener((o, a, b) -> onChange.run());
    to.addListener((o, a, b) -> onChange.run());
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

  /** Whether any filter is set (some images may be hidden). */
  public boolean active() {
    return !search.get().isBlank()
        || gallery.get() != null
        || favouritesOnly.get()
        || model.get() != null
        || from.get() != null
        || to.get() != null;
  }

  /** Clears every filter: all images are shown. */
  public void clear() {
    search.set("");
    gallery.set(null);
    favouritesOnly.set(false);
    model.set(null);
    from.set(null);
    to.set(null);
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
}
