package dev.stepwise.app.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.pack.ModelHashes;
import dev.stepwise.engine.sampling.PredictionType;
import dev.stepwise.gallery.Recipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model chooser with a models folder: what it lists, predictions per checkpoint, reuse. */
class ModelChoiceTest {
  private final UiQueue ui = new UiQueue();
  private final StudioViewModel vm = new StudioViewModel(ui, Runnable::run, new Random(7));

  private static Path file(Path p) throws Exception {
    Files.createDirectories(p.getParent());
    Files.write(p, new byte[] {1, 2, 3});
    return p;
  }

  @Test
  void anA1111FolderListsItsCheckpointsWithTheirKnownHashes(@TempDir Path dir) throws Exception {
    Path webui = dir.resolve("webui");
    Path sd15 = file(webui.resolve("models/Stable-diffusion/sd15.safetensors"));
    file(webui.resolve("models/Stable-diffusion/old.ckpt"));
    Path pack = webui.resolve("models/Stable-diffusion/a-pack");
    file(pack.resolve("model_index.json"));
    ModelHashes hashes = new ModelHashes(dir.resolve("hashes.json"));
    String hash = hashes.shortHash(sd15);
    List<ModelChoice> listed = new ModelCatalog(TestPacks.tinySd(), webui, hashes).list();
    assertEquals(3, listed.size(), "built-in, the pack, the checkpoint; no pickle file");
    assertTrue(listed.get(0).builtIn());
    assertEquals("a-pack", listed.get(1).label());
    assertFalse(listed.get(1).checkpoint());
    assertNull(listed.get(1).hash(), "not hashed yet: nothing is read while listing");
    ModelChoice cp = listed.get(2);
    assertEquals("sd15", cp.label());
    assertTrue(cp.checkpoint());
    assertEquals(hash, cp.hash());
    assertEquals("sd15  [" + hash + "]", cp.toString());
  }

  @Test
  void aPredictionIsRememberedPerCheckpointAndReachesTheRequest(@TempDir Path dir)
      throws Exception {
    Path a = file(dir.resolve("a.safetensors"));
    Path b = file(dir.resolve("b.safetensors"));
    vm.apply(
        GenerationSettings.defaults(), List.of(new ModelChoice("tiny", TestPacks.tinySd(), true)));
    assertFalse(vm.model().checkpointProperty().get(), "the built-in pack is a folder");
    vm.model().openModel(a);
    assertTrue(vm.model().checkpointProperty().get());
    assertNull(vm.model().predictionProperty().get(), "the file's own guess at first");
    vm.model().setPrediction(PredictionType.V_PREDICTION);
    vm.model().openModel(b);
    assertNull(vm.model().predictionProperty().get(), "another file, another choice");
    vm.model().openModel(a);
    assertEquals(PredictionType.V_PREDICTION, vm.model().predictionProperty().get());
    GenerationSettings s = vm.settings();
    assertEquals(Map.of(GenerationSettings.modelKey(a), "v_prediction"), s.predictions(), "saved");
    assertEquals(PredictionType.V_PREDICTION, s.toRequest(1, a).prediction());
    assertNull(s.toRequest(1, b).prediction());
  }

  @Test
  void reuseFindsTheModelByItsA1111Hash(@TempDir Path dir) throws Exception {
    Path cp = file(dir.resolve("renamed-by-me.safetensors"));
    vm.apply(
        GenerationSettings.defaults(),
        List.of(
            new ModelChoice("tiny", TestPacks.tinySd(), true),
            new ModelChoice("renamed-by-me", cp, false, "0123abcdef")));
    Recipe fromA1111 =
        new Recipe(
            "a cat",
            "",
            "v1-5-pruned",
            "0123ABCDEF",
            "euler_a",
            false,
            20,
            7,
            0,
            1,
            512,
            512,
            -1,
            null,
            null,
            null);
    List<String> notices = RecipeControls.apply(vm, fromA1111, false);
    assertEquals(cp, vm.model().modelProperty().get().folder(), notices.toString());
    Recipe unknown =
        new Recipe(
            "a cat",
            "",
            "mystery",
            "ffffffffff",
            "euler_a",
            false,
            20,
            7,
            0,
            1,
            512,
            512,
            -1,
            null,
            null,
            null);
    List<String> missing = RecipeControls.apply(vm, unknown, false);
    assertTrue(
        missing.contains(
            "The model \"mystery\" with hash ffffffffff is not in the chooser, so renamed-by-me"
                + " stays chosen."),
        missing.toString());
  }

  @Test
  void theLoraMenuListsTheModelsFolderAndAddsATagThatTheRequestCanFind(@TempDir Path dir)
      throws Exception {
    Path comfy = dir.resolve("ComfyUI");
    file(comfy.resolve("models/checkpoints/sd.safetensors"));
    file(comfy.resolve("models/loras/detail.safetensors"));
    file(comfy.resolve("models/loras/old.pt"));
    vm.apply(
        GenerationSettings.defaults(), List.of(new ModelChoice("tiny", TestPacks.tinySd(), true)));
    vm.model().setModelsRoot(comfy, new ModelCatalog(TestPacks.tinySd(), comfy, null).list());
    assertEquals(List.of("detail"), vm.model().loraNames(), "the pickle file is not offered");
    assertEquals(comfy.resolve("models/loras").toAbsolutePath(), vm.model().loraFolder());
    vm.controls().promptProperty().set("a cat");
    vm.controls().addToPrompt("<lora:detail:1>");
    assertEquals("a cat <lora:detail:1>", vm.controls().promptProperty().get());
    GenerationSettings s = vm.settings();
    assertEquals(comfy.toAbsolutePath().toString(), s.modelsRoot());
    assertEquals(
        comfy.resolve("models/loras").toAbsolutePath(),
        s.toRequest(1, TestPacks.tinySd()).loraFolder());
  }

  @Test
  void reuseChoosesTheRecipesVaeFromTheModelsFolder(@TempDir Path dir) throws Exception {
    Path webui = dir.resolve("webui");
    file(webui.resolve("models/Stable-diffusion/sd.safetensors"));
    Path mse = file(webui.resolve("models/VAE/vae-ft-mse.safetensors"));
    vm.apply(
        GenerationSettings.defaults(), List.of(new ModelChoice("tiny", TestPacks.tinySd(), true)));
    vm.model().setModelsRoot(webui, new ModelCatalog(TestPacks.tinySd(), webui, null).list());
    Recipe withVae =
        new Recipe(
            "a cat",
            "",
            null,
            null,
            "euler_a",
            false,
            20,
            7,
            0,
            1,
            512,
            512,
            -1,
            null,
            null,
            Map.of(Recipe.VAE, "vae-ft-mse.safetensors", Recipe.VAE_HASH, "0123456789"));
    RecipeControls.apply(vm, withVae, false);
    assertEquals(mse.toString(), vm.controls().vaeProperty().get());
    Recipe other =
        new Recipe(
            "a cat",
            "",
            null,
            null,
            "euler_a",
            false,
            20,
            7,
            0,
            1,
            512,
            512,
            -1,
            null,
            null,
            Map.of(Recipe.VAE, "kl-f8-anime2.safetensors"));
    List<String> notices = RecipeControls.apply(vm, other, false);
    assertTrue(
        notices.contains(
            "The image was decoded with the VAE kl-f8-anime2.safetensors, which is not in the"
                + " models folder, so the VAE chosen now stays."),
        notices.toString());
    assertEquals(mse.toString(), vm.controls().vaeProperty().get(), "the chosen VAE stays");
  }

  @Test
  void loraTagsAndEmbeddingNamesAreNotUnknownWords(@TempDir Path dir) throws Exception {
    Path root = dir.resolve("models");
    file(root.resolve("embeddings/zorb.safetensors"));
    vm.apply(
        new GenerationSettings(
            "a red heart",
            "",
            5,
            4,
            "0",
            false,
            null,
            false,
            0,
            0,
            1,
            "",
            null,
            null,
            null,
            root.toString(),
            1,
            ""),
        List.of(new ModelChoice("tiny", TestPacks.tinySd(), true)));
    ui.runUntil(() -> vm.model().factsProperty().get() != null, java.time.Duration.ofSeconds(60));
    vm.controls().promptProperty().set("a red zorb heart with wings <lora:detail:0.5>");
    ui.runUntil(() -> !vm.prompts().unknownWords().isEmpty(), java.time.Duration.ofSeconds(60));
    assertEquals(List.of("wings"), vm.prompts().unknownWords());
  }
}
