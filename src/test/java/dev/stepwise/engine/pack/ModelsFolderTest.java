package dev.stepwise.engine.pack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.pack.ModelsFolder.Entry;
import dev.stepwise.engine.pack.ModelsFolder.Layout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelsFolderTest {
  @TempDir Path dir;

  private static Path file(Path p, int bytes) throws IOException {
    Files.createDirectories(p.getParent());
    Files.write(p, new byte[bytes]);
    return p;
  }

  private static Path pack(Path p) throws IOException {
    return file(p.resolve("model_index.json"), 2).getParent();
  }

  private static List<String> names(List<Entry> entries) {
    return entries.stream().map(Entry::name).toList();
  }

  @Test
  void anA1111InstallIsReadAsItIs() throws IOException {
    Path webui = dir.resolve("stable-diffusion-webui");
    file(webui.resolve("models/Stable-diffusion/v1-5-pruned-emaonly.safetensors"), 10);
    file(webui.resolve("models/Stable-diffusion/anime/meina.safetensors"), 20);
    file(webui.resolve("models/Stable-diffusion/old.ckpt"), 5);
    file(webui.resolve("models/Stable-diffusion/notes.txt"), 5);
    file(webui.resolve("models/Lora/detail.safetensors"), 3);
    file(webui.resolve("models/VAE/vae-ft-mse.safetensors"), 4);
    file(webui.resolve("embeddings/easynegative.safetensors"), 1);
    for (Path root : List.of(webui, webui.resolve("models"))) {
      ModelsFolder f = ModelsFolder.at(root);
      assertEquals(Layout.A1111, f.layout(), "from " + root);
      assertEquals(List.of("meina", "old", "v1-5-pruned-emaonly"), names(f.checkpoints()));
      assertEquals(List.of("detail"), names(f.loras()));
      assertEquals(List.of("vae-ft-mse"), names(f.vaes()));
      assertEquals(List.of("easynegative"), names(f.embeddings()));
    }
    Entry old = ModelsFolder.at(webui).checkpoints().get(1);
    assertNotNull(old.refusal());
    assertTrue(
        old.refusal().startsWith("old.ckpt is a pickle file") && old.refusal().endsWith("."),
        old.refusal());
    Entry v15 = ModelsFolder.at(webui).checkpoints().get(2);
    assertNull(v15.refusal());
    assertEquals(10, v15.bytes());
  }

  @Test
  void aComfyUiInstallIsReadAsItIs() throws IOException {
    Path comfy = dir.resolve("ComfyUI");
    file(comfy.resolve("models/checkpoints/sd15.safetensors"), 1);
    file(comfy.resolve("models/loras/a.safetensors"), 1);
    file(comfy.resolve("models/vae/b.safetensors"), 1);
    file(comfy.resolve("models/embeddings/c.pt"), 1);
    assertEquals(Layout.COMFYUI, ModelsFolder.at(comfy.resolve("models")).layout());
    ModelsFolder f = ModelsFolder.at(comfy);
    assertEquals(Layout.COMFYUI, f.layout());
    assertEquals(List.of("sd15"), names(f.checkpoints()));
    assertEquals(List.of("a"), names(f.loras()));
    assertEquals(List.of("b"), names(f.vaes()));
    assertEquals(List.of("c"), names(f.embeddings()));
    assertNotNull(f.embeddings().get(0).refusal(), "a .pt embedding is pickle");
  }

  @Test
  void stepwisesOwnLayoutKeepsPackFoldersFromEarlierVersions() throws IOException {
    Path root = dir.resolve("models");
    pack(root.resolve("my-pack"));
    pack(root.resolve("checkpoints/other-pack"));
    file(root.resolve("checkpoints/single.safetensors"), 1);
    file(root.resolve("checkpoints/.hidden.safetensors"), 1);
    Files.createDirectories(root.resolve("not-a-pack"));
    ModelsFolder f = ModelsFolder.at(root);
    assertEquals(Layout.STEPWISE, f.layout());
    assertEquals(List.of("my-pack", "other-pack", "single"), names(f.checkpoints()));
    assertTrue(f.checkpoints().get(0).folder());
    assertEquals(List.of(), names(f.loras()));
  }

  @Test
  void aMissingRootListsNothing() {
    ModelsFolder f = ModelsFolder.at(dir.resolve("nope"));
    assertEquals(Layout.STEPWISE, f.layout());
    assertTrue(f.checkpoints().isEmpty() && f.loras().isEmpty() && f.embeddings().isEmpty());
  }
}
