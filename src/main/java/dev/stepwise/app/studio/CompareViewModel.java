package dev.stepwise.app.studio;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GeneratedImage;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.ModelInfo;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.sampling.SchedulerConfig;
import dev.stepwise.engine.service.PackFacts;
import dev.stepwise.gallery.GridSheet;
import dev.stepwise.gallery.ImageToSave;
import dev.stepwise.gallery.Recipe;
import dev.stepwise.recipe.GridAxis;
import dev.stepwise.recipe.GridPlan;
import dev.stepwise.recipe.RecipeException;
import dev.stepwise.recipe.Settings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

/**
 * The compare grid in the studio (A1111's X/Y/Z plot with X and Y): the axes the "Compare..."
 * dialog picks, the cells it queues with the controls' settings and one seed, and the labelled
 * grid, filled as each cell finishes and handed to the library once all have. Used on the UI
 * thread.
 */
public final class CompareViewModel {
  /** The guidance paper's figure: the same seed at these guidance scales (a preset). */
  public static final String GUIDANCE_PRESET = "1,3,5,7.5,10";

  private final StudioViewModel studio;
  private final ObjectProperty<GridAxis.Kind> xKind =
      new SimpleObjectProperty<>(GridAxis.Kind.GUIDANCE);
  private final StringProperty xValues = new SimpleStringProperty(GUIDANCE_PRESET);
  private final ObjectProperty<GridAxis.Kind> yKind = new SimpleObjectProperty<>();
  private final StringProperty yValues = new SimpleStringProperty("");
  private final ReadOnlyObjectWrapper<RgbImage> grid = new ReadOnlyObjectWrapper<>();
  private final ReadOnlyStringWrapper progress = new ReadOnlyStringWrapper("");
  private final Map<GenerationRequest, Integer> cellOf = new IdentityHashMap<>();
  private Consumer<ImageToSave> onGridDone = g -> {};
  private GridPlan plan;
  private List<Settings> cells = List.of();
  private GridSheet sheet;
  private Recipe first;
  private Map<String, String> firstParameters = Map.of();
  private int done;
  private ModelInfo model;

  CompareViewModel(StudioViewModel studio) {
    this.studio = studio;
    studio.addStudioListener(new Follower());
  }

  /** The setting across (X). */
  public ObjectProperty<GridAxis.Kind> xKindProperty() {
    return xKind;
  }

  /** X's values, comma-separated (a value in double quotes may hold commas). */
  public StringProperty xValuesProperty() {
    return xValues;
  }

  /** The setting down (Y), or null for one row. */
  public ObjectProperty<GridAxis.Kind> yKindProperty() {
    return yKind;
  }

  /** Y's values, comma-separated. */
  public StringProperty yValuesProperty() {
    return yValues;
  }

  /** The grid so far (unfinished cells grey), or null before the first cell of a grid is done. */
  public ReadOnlyObjectProperty<RgbImage> gridProperty() {
    return grid.getReadOnlyProperty();
  }

  /** "3 of 8 cells", or "" with no grid. */
  public ReadOnlyStringProperty progressProperty() {
    return progress.getReadOnlyProperty();
  }

  /** What receives the finished grid with its recipe (the studio saves it into the library). */
  public void setOnGridDone(Consumer<ImageToSave> action) {
    onGridDone = action == null ? g -> {} : action;
  }

  /** Sets the guidance paper's preset (X: guidance 1, 3, 5, 7.5, 10; no Y) and queues it. */
  public boolean guidancePreset() {
    xKind.set(GridAxis.Kind.GUIDANCE);
    xValues.set(GUIDANCE_PRESET);
    yKind.set(null);
    yValues.set("");
    return start();
  }

  /**
   * Queues every cell of the chosen axes with the controls' settings and one seed (the seed field's
   * when locked, else a fresh one for the whole grid). Returns false, with one sentence in the
   * status's error, when an axis or a control is refused or the engine is not ready.
   */
  public boolean start() {
    StatusViewModel status = studio.status();
    status.clearError();
    PackFacts f = studio.model().factsProperty().get();
    if (!studio.jobs().engineStarted() || f == null) {
      status.showError("The engine or the model is still starting; try again in a moment.");
      return false;
    }
    GenerationSettings gs = studio.settings();
    String problem = gs.problem(f.sizeStep());
    if (problem != null) {
      status.showError(problem);
      return false;
    }
    GridPlan p;
    List<Settings> planned;
    GenerationRequest base;
    try {
      List<GridAxis> axes = new ArrayList<>();
      axes.add(GridAxis.parse(xKind.get().cliName() + "=" + xValues.get()));
      if (yKind.get() != null) {
        axes.add(GridAxis.parse(yKind.get().cliName() + "=" + yValues.get()));
      }
      p = GridPlan.of(axes);
      long seed = studio.seeds().next(gs);
      base = studio.variation().applyTo(gs.toRequest(seed, f.folder()));
      planned = p.cells(base.settings());
      studio.seeds().used(seed);
    } catch (RecipeException | EngineException e) {
      status.showError(e.getMessage());
      return false;
    }
    plan = p;
    cells = planned;
    sheet = null;
    first = null;
    done = 0;
    cellOf.clear();
    grid.set(null);
    progress.set("0 of " + cells.size() + " cells");
    for (int i = 0; i < cells.size(); i++) {
      GenerationRequest r = base.toBuilder().settings(cells.get(i)).batch(1).build();
      cellOf.put(r, i);
      studio.jobs().submit(r, new JobListener(studio, r, f));
    }
    status.showStatus(
        "Queued a "
            + plan.columns()
            + "x"
            + plan.rows()
            + " compare grid ("
            + cells.size()
            + " images).");
    return true;
  }

  /** A cell is finished: it goes into the sheet; with the last one the grid is handed on. */
  private void cellDone(int index, GenerationRequest r, GeneratedImage img) {
    RgbImage rgb = img.image();
    if (sheet == null) {
      List<String> cols = new ArrayList<>();
      for (int ix = 0; ix < plan.columns(); ix++) {
        cols.add(plan.columnLabel(ix));
      }
      List<String> rows = new ArrayList<>();
      for (int iy = 0; iy < plan.rows(); iy++) {
        rows.add(plan.rowLabel(iy));
      }
      sheet = new GridSheet(rgb.width(), rgb.height(), cols, rows);
    }
    sheet.setCell(index, rgb.rgb());
    if (index == 0) {
      first =
          Recipe.made(
              r.settings(),
              img.seed(),
              rgb.width(),
              rgb.height(),
              -1,
              model == null ? null : model.name(),
              model == null ? null : model.hash());
      firstParameters = new LinkedHashMap<>(img.parameters());
    }
    done++;
    progress.set(done + " of " + cells.size() + " cells");
    grid.set(new RgbImage(sheet.width(), sheet.height(), sheet.rgb()));
    if (done == cells.size()) {
      Map<String, String> params = new LinkedHashMap<>(firstParameters);
      params.putAll(plan.parameters());
      Recipe recipe =
          Recipe.made(
              cells.get(0),
              first.seed(),
              first.width(),
              first.height(),
              -1,
              first.modelName(),
              first.modelHash(),
              params);
      onGridDone.accept(new ImageToSave(sheet.width(), sheet.height(), sheet.rgb(), recipe));
    }
  }

  /** Hears the finished cells of the current grid (every job's events pass here). */
  private final class Follower implements StudioListener {
    @Override
    public void jobStarted(
        Path packDir, SchedulerConfig scheduler, GenerationRequest request, ModelInfo info) {
      model = info;
    }

    @Override
    public void imageFinished(GenerationRequest request, GeneratedImage image) {
      Integer index = cellOf.remove(request);
      if (index != null) {
        cellDone(index, request, image);
      }
    }
  }
}
