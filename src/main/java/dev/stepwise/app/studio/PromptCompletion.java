package dev.stepwise.app.studio;

import java.util.List;
import java.util.function.BiFunction;
import javafx.event.Event;
import javafx.scene.control.TextArea;
import javafx.scene.input.KeyEvent;
import javafx.util.StringConverter;
import org.controlsfx.control.textfield.AutoCompletionBinding;

/**
 * ControlsFX auto-completion for a multi-line prompt: the word before the caret is completed from
 * the words the current model knows. (ControlsFX's own binding serves single-line fields only.)
 *
 * <p>Only a plain Enter, Tab or click puts a suggestion in place, and only one that still continues
 * the word before the caret: suggestions are found off the FX thread, so the popup may show words
 * offered for an earlier word. A key with Ctrl, Alt or Meta (Ctrl+Enter generates) closes the popup
 * and goes to the prompt as if the popup were not there.
 */
public final class PromptCompletion extends AutoCompletionBinding<String> {
  /** Completion starts once this many letters of a word are typed. */
  public static final int MIN_PREFIX = 2;

  private final TextArea area;
  private boolean completing;
  private boolean forwarding;

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
    getAutoCompletionPopup().addEventFilter(KeyEvent.KEY_PRESSED, this::keyInPopup);
  }

  /**
   * A shortcut pressed while the popup has the keys: the popup closes and the key goes to the
   * prompt (and the window's shortcuts) instead of choosing the selected suggestion.
   */
  private void keyInPopup(KeyEvent e) {
    if (forwarding
        || !(e.isShortcutDown() || e.isControlDown() || e.isAltDown() || e.isMetaDown())) {
      return;
    }
    e.consume();
    hidePopup();
    forwarding = true;
    try {
      Event.fireEvent(area, e.copyFor(area, area));
    } finally {
      forwarding = false;
    }
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
      if (!continues(word, prefix)) {
        hidePopup(); // offered for an earlier word: the typed word stays
        return;
      }
      area.replaceText(caret - prefix.length(), caret, word + " ");
      area.positionCaret(caret - prefix.length() + word.length() + 1);
    } finally {
      completing = false;
    }
  }

  /** Whether {@code word} completes {@code prefix}, a word of at least {@link #MIN_PREFIX}. */
  static boolean continues(String word, String prefix) {
    return word != null
        && prefix.length() >= MIN_PREFIX
        && word.length() >= prefix.length()
        && word.regionMatches(true, 0, prefix, 0, prefix.length());
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
