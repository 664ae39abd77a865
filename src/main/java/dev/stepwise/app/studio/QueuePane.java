package dev.stepwise.app.studio;

import dev.stepwise.engine.service.JobState;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

/** The queue: the running job first, then the waiting ones; each can move or be cancelled. */
public final class QueuePane extends VBox {

  /** The queue under a line saying where new jobs run ({@code backends}' summary). */
  public QueuePane(JobsViewModel vm, BackendsViewModel backends) {
    super(4);
    setPadding(new Insets(8));
    setPrefWidth(200);
    Label title = new Label("Queue");
    title.getStyleClass().add("section-title");
    ListView<QueueEntry> list = new ListView<>(vm.queue());
    list.setId("queue");
    Label empty = new Label("No jobs waiting. Generate while a job runs to queue more.");
    empty.setWrapText(true);
    empty.setPadding(new Insets(8));
    list.setPlaceholder(empty);
    list.setCellFactory(v -> new EntryCell(vm));
    VBox.setVgrow(list, Priority.ALWAYS);
    Label where = new Label();
    where.setId("queueWhere");
    where.setWrapText(true);
    where.getStyleClass().add("slot-placeholder");
    where.textProperty().bind(backends.summaryProperty());
    getChildren().addAll(title, where, list);
  }

  private static final class EntryCell extends ListCell<QueueEntry> {
    private final JobsViewModel vm;
    private final Label text = new Label();
    private final Label state = new Label();
    private final Button up = Icons.button(null, "", "mdi2a-arrow-up", "Run this job sooner");
    private final Button down = Icons.button(null, "", "mdi2a-arrow-down", "Run this job later");
    private final Button cancel =
        Icons.button(null, "", "mdi2c-close-circle-outline", "Cancel this job");
    private final HBox box;

    EntryCell(JobsViewModel vm) {
      this.vm = vm;
      text.setWrapText(true);
      text.setMaxWidth(150);
      // A cell as wide as the list, never wider: the buttons stay in view.
      setPrefWidth(0);
      state.getStyleClass().add("slot-placeholder");
      Region spacer = new Region();
      HBox.setHgrow(spacer, Priority.ALWAYS);
      HBox buttons = new HBox(2, up, down, cancel);
      buttons.getStyleClass().add("queue-cell-buttons");
      box = new HBox(4, new VBox(2, text, state), spacer, buttons);
      box.setAlignment(Pos.CENTER_LEFT);
      up.setOnAction(e -> vm.move(getItem(), -1));
      down.setOnAction(e -> vm.move(getItem(), 1));
      cancel.setOnAction(e -> vm.cancel(getItem()));
    }

    @Override
    protected void updateItem(QueueEntry item, boolean empty) {
      super.updateItem(item, empty);
      state.textProperty().unbind();
      up.disableProperty().unbind();
      down.disableProperty().unbind();
      if (empty || item == null) {
        setGraphic(null);
        setText(null);
        return;
      }
      text.setText(item.summary());
      // The entry's state changes while the cell shows it: bind, do not copy.
      BooleanBinding running = Bindings.equal(JobState.RUNNING, item.stateProperty());
      // Where it runs: the backend's name once a pool has given it one.
      state
          .textProperty()
          .bind(
              Bindings.when(item.whereProperty().isNull())
                  .then(Bindings.when(running).then("running").otherwise("waiting"))
                  .otherwise(
                      Bindings.concat(
                          Bindings.when(running).then("running on ").otherwise("waiting; was on "),
                          item.whereProperty())));
      state.setId("queueState" + item.job().id());
      up.disableProperty().bind(running);
      down.disableProperty().bind(running);
      cancel.setId("cancelJob" + item.job().id());
      setGraphic(box);
    }
  }
}
