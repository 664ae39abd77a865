package dev.stepwise.app.studio;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.lora.LoraTags;
import dev.stepwise.engine.pack.ModelsFolder;
import dev.stepwise.engine.pack.PromptScope;
import dev.stepwise.engine.prompt.PromptChunks;
import dev.stepwise.engine.service.PackFacts;
import dev.stepwise.engine.tokenizer.PromptTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * What the chosen model says about the prompt: the prompt ideas its pack lists, completions from
 * its vocabulary, and the words of the prompt and negative prompt it does not know. Used on the UI
 * thread, which never tokenizes: completions are lookups in the vocabulary's word set, and unknown
 * words are found on a background executor.
 */
public final class PromptViewModel {
  private final StringProperty prompt;
  private final StringProperty negativePrompt;
  private final ReadOnlyObjectProperty<PackFacts> facts;
  private final ObservableList<String> unknownWords = FXCollections.observableArrayList();
  private final ObservableList<String> unknownWordsView =
      FXCollections.unmodifiableObservableList(unknownWords);
  private final ReadOnlyStringWrapper unknownWarning = new ReadOnlyStringWrapper("");
  private PromptScope scope; // background thread only, as scopeFacts
  private PackFacts scopeFacts;
  private final Executor ui;
  private final Executor background;
  private final AtomicLong latestCheck = new AtomicLong();
  private final Supplier<ModelsFolder> modelsFolder;
  // The embedding names last listed (background thread only), by folder and its time.
  private Path embeddingsDir;
  private long embeddingsStamp;
  private Set<String> embeddingNames = Set.of();

  /**
   * Follows the prompts of {@code controls} and the model whose facts {@code facts} holds; the
   * prompts are tokenized on {@code background} and the results posted to {@code ui}.
   */
  PromptViewModel(
      ControlsViewModel controls,
      ReadOnlyObjectProperty<PackFacts> facts,
      Supplier<ModelsFolder> modelsFolder,
      Executor ui,
      Executor background) {
    this.modelsFolder = modelsFolder;
    this.prompt = controls.promptProperty();
    this.negativePrompt = controls.negativePromptProperty();
    this.facts = facts;
    this.ui = ui;
    this.background = background;
    prompt.addListener((o, a, b) -> updateUnknownWords());
    negativePrompt.addListener((o, a, b) -> updateUnknownWords());
    facts.addListener((o, a, b) -> updateUnknownWords());
  }

  // ---- prompt ideas ----

  /**
   * Prompts the chosen model lists as known (its pack's prompts.txt or prompts.txt.gz); empty for
   * most packs.
   */
  public List<String> promptIdeas() {
    PackFacts f = facts.get();
    return f == null ? List.of() : f.promptIdeas();
  }

  /** True while the chosen model lists prompt ideas. */
  public BooleanBinding hasPromptIdeasProperty() {
    return Bindings.createBooleanBinding(() -> !promptIdeas().isEmpty(), facts);
  }

  /**
   * Up to {@code max} ideas that contain every word of {@code query} (ignoring case), in the pack's
   * order; all of them (up to max) for a blank query.
   */
  public List<String> findPromptIdeas(String query, int max) {
    String[] words =
        query == null ? new String[0] : query.toLowerCase(Locale.ROOT).strip().split("\\s+");
    List<String> out = new ArrayList<>();
    for (String idea : promptIdeas()) {
      String lower = idea.toLowerCase(Locale.ROOT);
      boolean all = true;
      for (String w : words) {
        if (!w.isEmpty() && !lower.contains(w)) {
          all = false;
          break;
        }
      }
      if (all) {
        out.add(idea);
        if (out.size() >= max) {
          break;
        }
      }
    }
    return out;
  }

  /** Puts {@code idea} (one the user chose) in the prompt. */
  public void useIdea(String idea) {
    prompt.set(idea);
  }

  /**
   * Puts a random idea in the prompt and returns it; null (prompt unchanged) when there are none.
   */
  public String surprisePrompt(RandomGenerator random) {
    List<String> ideas = promptIdeas();
    if (ideas.isEmpty()) {
      return null;
    }
    String idea = ideas.get(random.nextInt(ideas.size()));
    useIdea(idea);
    return idea;
  }

  // ---- prompt words ----

  /** Words the chosen model knows (empty until its pack is read). */
  public Set<String> knownWords() {
    PackFacts f = facts.get();
    return f == null ? Set.of() : f.tokenizer().vocabularyWords();
  }

  /**
   * Up to {@code max} known words that start with {@code prefix} (ignoring case), shortest first.
   */
  public List<String> completions(String prefix, int max) {
    if (prefix == null || prefix.isEmpty()) {
      return List.of();
    }
    String p = prefix.toLowerCase(Locale.ROOT);
    List<String> out = new ArrayList<>();
    for (String w : knownWords()) {
      if (w.startsWith(p) && !w.equals(p)) {
        out.add(w);
      }
    }
    out.sort((a, b) -> a.length() != b.length() ? a.length() - b.length() : a.compareTo(b));
    return out.size() > max ? List.copyOf(out.subList(0, max)) : out;
  }

  /**
   * Checks the prompts on the background executor: the tokenizer runs the pack's own patterns,
   * which a crafted tokenizer.json can make costly, so the UI thread never tokenizes. The newest
   * edit wins: a check that a later edit has overtaken neither runs nor reports.
   */
  private void updateUnknownWords() {
    long ticket = latestCheck.incrementAndGet();
    PackFacts f = facts.get();
    if (f == null) {
      unknownWords.clear();
      unknownWarning.set("");
      return;
    }
    PromptTokenizer tokenizer = f.tokenizer();
    String p = prompt.get();
    String n = negativePrompt.get();
    ModelsFolder folder = modelsFolder.get();
    background.execute(
        () -> {
          if (ticket != latestCheck.get()) {
            return;
          }
          List<String> words = List.of();
          String warning;
          try {
            Set<String> found = new LinkedHashSet<>();
            found.addAll(PromptChunks.unknownWords(tokenizer, withoutTags(p)));
            found.addAll(PromptChunks.unknownWords(tokenizer, withoutTags(n)));
            // An embedding's name is a word the model knows through its vectors.
            Set<String> embeddings = embeddingNames(folder);
            found.removeIf(w -> embeddings.contains(w.toLowerCase(Locale.ROOT)));
            words = List.copyOf(found);
            warning =
                words.isEmpty() ? "" : "The model does not know: " + String.join(", ", words) + ".";
            String scopeNote = scopeOf(f).note(withoutTags(p));
            warning = warning.isEmpty() ? scopeNote : (warning + " " + scopeNote).strip();
          } catch (EngineException e) {
            warning = e.getMessage();
          } catch (RuntimeException | StackOverflowError e) {
            warning =
                "The prompt could not be checked against the model's words ("
                    + e.getClass().getSimpleName()
                    + ").";
          }
          List<String> result = words;
          String message = warning;
          ui.execute(
              () -> {
                if (ticket == latestCheck.get()) {
                  unknownWords.setAll(result);
                  unknownWarning.set(message);
                }
              });
        });
  }

  /** The captions' {@link PromptScope}, built once per model. Background thread only. */
  private synchronized PromptScope scopeOf(PackFacts f) {
    if (scopeFacts != f) {
      scope = PromptScope.of(f.promptIdeas());
      scopeFacts = f;
    }
    return scope;
  }

  /** The words of the prompt and negative prompt the model does not know, in order. */
  public ObservableList<String> unknownWords() {
    return unknownWordsView;
  }

  /** The unknown words in one sentence; empty when there are none. */
  public ReadOnlyStringProperty unknownWarningProperty() {
    return unknownWarning.getReadOnlyProperty();
  }

  /**
   * The lower-case names of {@code folder}'s embeddings, listed again only when the embeddings
   * folder or its modification time changes (not at every keystroke). Background thread only.
   */
  private Set<String> embeddingNames(ModelsFolder folder) {
    Path dir = folder.folder(ModelsFolder.Kind.EMBEDDING);
    long stamp;
    try {
      stamp = Files.getLastModifiedTime(dir).toMillis();
    } catch (IOException e) {
      stamp = -1; // no folder: no names
    }
    if (!dir.equals(embeddingsDir) || stamp != embeddingsStamp) {
      Set<String> names = new HashSet<>();
      for (ModelsFolder.Entry e : folder.embeddings()) {
        names.add(e.name().toLowerCase(Locale.ROOT));
      }
      embeddingNames = Set.copyOf(names);
      embeddingsDir = dir;
      embeddingsStamp = stamp;
    }
    return embeddingNames;
  }

  /** The prompt without A1111's {@code <lora:...>}-style tags, which are not words. */
  private static String withoutTags(String prompt) {
    try {
      return LoraTags.parse(prompt).text();
    } catch (EngineException e) {
      return prompt; // a malformed tag: its words are checked as they are
    }
  }
}
