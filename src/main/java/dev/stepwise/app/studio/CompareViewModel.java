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
import dev.stepwise.recipe.GridPlan;
import dev.stepwise.recipe.GridPlan.Axis;
import dev.stepwise.recipe.GridPlan.Kind;
import dev.stepwise.recipe.RecipeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

/**
 * The studio's compare grid (A1111's X/Y plot): the axes "Compare..." picks (Y's kind null for one
 * row), the cells it queues with the controls' settings and one seed, the grid filled as cells
 * finish and handed on when complete. UI thread only.
 */
public final class CompareViewModel {
  final ObjectProperty<Kind> xKind = new SimpleObjectProperty<>(Kind.GUIDANCE);
  final StringProperty xValues = new SimpleStringProperty("1,3,5,7.5,10");
  final ObjectProperty<Kind> yKind = new SimpleObjectProperty<>();
  final StringProperty yValues = new SimpleStringProperty("");
  final ObjectProperty<RgbImage> grid = new SimpleObjectProperty<>();
  final StringProperty progress = new SimpleStringProperty("");
  private final StudioViewModel studio;
  private final Map<GenerationRequest, Integer> cellOf = new IdentityHashMap<>();
  private Consumer<ImageToSave> onGridDone = g -> {};
  private GridPlan plan;
  private GridSheet sheet;
  private int done;
  private ModelInfo model;

  CompareViewModel(StudioViewModel studio) {
    this.studio = studio;
    studio.addStudioListener(
        new StudioListener() {
          @Override
          public void jobStarted(Path dir, SchedulerConfig s, GenerationRequest r, ModelInfo info) {
            model = info;
          }

          @Override
          public void imageFinished(GenerationRequest r, GeneratedImage img) {
            Integer index = cellOf.remove(r);
            if (index != null) {
              cellDone(index, r, img);
            }
          }
        });
  }

  /** What receives the finished grid and its recipe (StudioParts saves it into the library). */
  public void setOnGridDone(Consumer<ImageToSave> action) {
    onGridDone = action;
  }

  /** The guidance paper's figure, one seed at guidance 1, 3, 5, 7.5, 10, queued at once. */
  public boolean guidancePreset() {
    xKind.set(Kind.GUIDANCE);
    xValues.set("1,3,5,7.5,10");
    yKind.set(null);
    return start();
  }

  /** Queues every cell; false, with one sentence on the error line, when refused. */
  public boolean start() {
    studio.status().clearError();
    PackFacts f = studio.model().factsProperty().get();
    GenerationSettings gs = studio.settings();
    List<GenerationRequest> requests = new ArrayList<>();
    try {
      if (!studio.jobs().engineStarted() || f == null) {
        throw new EngineException(
            "The engine or the model is still starting; try again in a moment.");
      }
      List<Axis> axes =
          new ArrayList<>(List.of(Axis.parse(xKind.get().cliName() + "=" + xValues.get())));
      if (yKind.get() != null) {
        axes.add(Axis.parse(yKind.get().cliName() + "=" + yValues.get()));
      }
      String problem = gs.problem(f.sizeStep());
      if (problem != null) {
        throw new EngineException(problem);
      }
      plan = GridPlan.of(axes);
      long seed = studio.seeds().next(gs);
      GenerationRequest base = studio.variation().applyTo(gs.toRequest(seed, f.folder()));
      for (var cell : plan.cells(base.settings())) {
        requests.add(base.toBuilder().settings(cell).batch(1).build());
      }
      studio.seeds().used(seed);
    } catch (RecipeException | EngineException e) {
      studio.status().showError(e.getMessage());
      return false;
    }
    sheet = null;
    done = 0;
    cellOf.clear();
    for (GenerationRequest r : requests) {
      cellOf.put(r, cellOf.size());
      studio.jobs().submit(r, new JobListener(studio, r, f));
    }
    progress.set("0 of " + requests.size() + " cells");
    studio.status().showStatus("Queued a compare grid of " + requests.size() + " images.");
    return true;
  }

  private void cellDone(int index, GenerationRequest r, GeneratedImage img) {
    RgbImage rgb = img.image();
    sheet = sheet != null ? sheet : new GridSheet(plan, rgb.width(), rgb.height());
    String name = model == null ? null : model.name();
    Recipe recipe =
        Recipe.made(
            r.settings(),
            img.seed(),
            rgb.width(),
            rgb.height(),
            -1,
            name,
            model == null ? null : model.hash(),
            img.parameters());
    boolean complete = sheet.put(index, rgb.rgb(), recipe);
    progress.set(++done + " of " + plan.columns() * plan.rows() + " cells");
    grid.set(new RgbImage(sheet.width(), sheet.height(), sheet.rgb()));
    if (complete) {
      onGridDone.accept(
          new ImageToSave(sheet.width(), sheet.height(), grid.get().rgb(), sheet.recipe()));
    }
  }
}
