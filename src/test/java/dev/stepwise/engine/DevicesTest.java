package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

class DevicesTest {
  @Test
  void pytorchEngineStartsOfflineFromBundledNatives() {
    assertEquals("true", System.getProperty("ai.djl.offline"));
    Device device = Devices.best();
    assertTrue(Devices.describe(device).contains("PyTorch 2.7.1"), Devices.describe(device));
    try (NDManager m = NDManager.newBaseManager(device)) {
      NDArray a = m.create(new float[] {1, 2, 3});
      assertEquals(6f, a.sum().getFloat(), 0f);
    }
  }
}
