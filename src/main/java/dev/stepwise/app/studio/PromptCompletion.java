package dev.stepwise.app.studio;

import java.util.List;
import java.util.function.BiFunction;
import javafx.scene.control.TextArea;
import javafx.util.StringConverter;
import org.controlsfx.control.textfield.AutoCompletionBinding;

/**
 * ControlsFX auto-completion for a multi-line prompt: the word before the caret is completed from
 * the words the current model knows. (ControlsFX's own binding serves single-line fields only.)
 */
public final class PromptCompletion extends AutoCompletionBinding<String> {
  /** Completion starts once this many letters of a word are typed. */
  public static final int MIN_PREFIX = 2;

  private final TextArea area;
  private boolean completing;

  /** Completes words in {@code area} with {@code suggest.apply(prefix, max)}. */
  public PromptCompletion(TextArea area, BiFunction<String, Integer, List<String>> suggest) {
    super(area, request -> suggest.apply(request.getUserText(), 12), converter());
    this.area = area;
    area.caretPositionProperty().addListener((o, a, b) -> refresh());
    area.focusedProperty()
        .addListener(
            (o, a, b) -> {
              if (!b) {
                hidePopup();
              }
            });
  }

  private void refresh() {
    if (completing || !area.isFocused()) {
      return;
    }
    String prefix = wordBeforeCaret(area.getText(), area.getCaretPosition());
    setUserInput(prefix.length() >= MIN_PREFIX ? prefix : "");
  }

  /** The run of letters and digits that ends at {@code caret} in {@code text}. */
  static String wordBeforeCaret(String text, int caret) {
    if (text == null) {
      return "";
    }
    int end = Math.min(caret, text.length());
    int start = end;
    while (start > 0 && Character.isLetterOrDigit(text.charAt(start - 1))) {
      start--;
    }
    return text.substring(start, end);
  }

  @Override
  protected void completeUserInput(String word) {
    completing = true;
    try {
      int caret = area.getCaretPosition();
      String prefix = wordBeforeCaret(area.getText(), caret);
      area.replaceText(caret - prefix.length(), caret, word + " ");
      area.positionCaret(caret - prefix.length() + word.length() + 1);
    } finally {
      completing = false;
    }
  }

  @Override
  public void dispose() {
    hidePopup();
  }

  private static StringConverter<String> converter() {
    return new StringConverter<>() {
      @Override
      public String toString(String s) {
        return s;
      }

      @Override
      public String fromString(String s) {
        return s;
      }
    };
  }
}
