package dev.stepwise.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;

/** Which compute device the engine runs on: a CUDA GPU when DJL finds one, the CPU otherwise. */
public final class Devices {
  private Devices() {}

  /** The PyTorch engine, started offline (see {@code Stepwise.configureOffline}). */
  public static Engine engine() {
    return Engine.getEngine("PyTorch");
  }

  /** The best device: GPU 0 if PyTorch sees CUDA, otherwise the CPU. */
  public static Device best() {
    return engine().getGpuCount() > 0 ? Device.gpu(0) : Device.cpu();
  }

  /** A human-readable description, e.g. {@code "CPU (PyTorch 2.7.1, 2 threads)"}. */
  public static String describe(Device device) {
    Engine engine = engine();
    String kind = device.isGpu() ? "CUDA GPU " + device.getDeviceId() : "CPU";
    return kind + " (PyTorch " + engine.getVersion() + ")";
  }
}
