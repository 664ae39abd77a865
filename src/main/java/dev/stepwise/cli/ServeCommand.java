package dev.stepwise.cli;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.ModelLocator;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.pack.ModelsFolder;
import dev.stepwise.serve.ApiServer;
import dev.stepwise.serve.ServeConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stepwise serve}: the engine behind AUTOMATIC1111's HTTP API until Ctrl+C. Listens on
 * loopback unless told otherwise, and beyond it only with {@code --api-auth}.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Serves the engine behind AUTOMATIC1111's HTTP API (/sdapi/v1/txt2img, img2img, progress"
            + " with live previews, interrupt, sd-models, samplers, schedulers, options) until"
            + " Ctrl+C. Listens on 127.0.0.1 unless --host says otherwise; any other address needs"
            + " --api-auth.",
    footer = {
      "  stepwise serve",
      "  stepwise serve --models ~/stable-diffusion-webui --model v1-5-pruned-emaonly",
      "  stepwise serve --host 0.0.0.0 --port 7860 --api-auth artist:secret"
    })
final class ServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--host",
      defaultValue = ServeConfig.LOOPBACK,
      description =
          "Address to listen on (default ${DEFAULT-VALUE}); an address other than loopback needs"
              + " --api-auth.")
  String host;

  @Option(
      names = "--port",
      defaultValue = "" + ServeConfig.DEFAULT_PORT,
      description = "Port to listen on (default ${DEFAULT-VALUE}, as A1111).")
  int port;

  @Option(
      names = "--api-auth",
      paramLabel = "USER:PASS",
      description = "HTTP basic credentials every request must carry (A1111's --api-auth).")
  String apiAuth;

  @Option(
      names = "--models",
      paramLabel = "DIR",
      description =
          "Models folder, or an A1111 or ComfyUI install folder, whose checkpoints requests may"
              + " name (default: $STEPWISE_MODELS or $XDG_DATA_HOME/stepwise/models).")
  Path models;

  @Option(
      names = "--model",
      paramLabel = "NAME",
      description =
          "The checkpoint of --models used when a request names none (default: the built-in"
              + " model).")
  String model;

  @Option(
      names = "--cors",
      paramLabel = "ORIGIN",
      description =
          "The one web origin (such as https://example.org) whose pages may call the server; no"
              + " CORS headers without it.")
  String cors;

  @Option(
      names = "--preview",
      defaultValue = "auto",
      description =
          "How /sdapi/v1/progress previews are made: auto (as the studio), tiny, full, cheap or"
              + " off. Default ${DEFAULT-VALUE}.")
  String preview;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    String user = null;
    String password = null;
    if (apiAuth != null) {
      int colon = apiAuth.indexOf(':');
      if (colon < 1 || colon == apiAuth.length() - 1) {
        throw new CliErrors.BadValue(
            "--api-auth must be USER:PASS with a user and a password, such as artist:secret.");
      }
      user = apiAuth.substring(0, colon);
      password = apiAuth.substring(colon + 1);
    }
    if (port < 0 || port > 65535) {
      throw new CliErrors.BadValue("--port " + port + " is not allowed; use 0 to 65535.");
    }
    if (!loopback(host) && user == null) {
      throw new CliErrors.BadValue(
          "--host "
              + host
              + " is reachable from other machines; serving beyond loopback needs --api-auth"
              + " USER:PASS.");
    }
    if (cors != null && !cors.matches("https?://[A-Za-z0-9.\\-]+(:[0-9]{1,5})?")) {
      throw new CliErrors.BadValue(
          "--cors must be one origin such as https://example.org or http://localhost:3000, got '"
              + Main.printable(cors)
              + "'.");
    }
    PreviewMethod method;
    try {
      method = PreviewMethod.parse(preview);
    } catch (EngineException e) {
      throw new CliErrors.BadValue(
          "--preview must be auto, tiny, full, cheap or off, got \"" + preview + "\".");
    }
    if (models != null && !Files.isDirectory(models)) {
      throw new CliErrors.BadValue("--models " + models + " is not a folder.");
    }
    Path root = models != null ? models : ModelsFolder.defaultRoot();
    Path defaultModel = defaultModel(root);
    ServeConfig config =
        new ServeConfig(
            host,
            port,
            user,
            password,
            root,
            defaultModel,
            cors,
            method,
            ServeConfig.Limits.DEFAULTS);
    ApiServer server;
    try {
      server = ApiServer.start(config);
    } catch (IOException e) {
      throw new EngineException(
          "Cannot listen on "
              + host
              + " port "
              + port
              + " ("
              + GenerateCommand.reason(e)
              + "); choose another --port or --host.",
          e);
    }
    CountDownLatch stop = new CountDownLatch(1);
    try (server;
        Interrupt ctrlC = Interrupt.install(stop::countDown, server::close)) {
      out.println(
          "Serving the AUTOMATIC1111 API on http://"
              + Main.printable(host.contains(":") ? "[" + host + "]" : host)
              + ":"
              + server.address().getPort()
              + " (model "
              + Main.printable(defaultModel.getFileName().toString())
              + (user == null ? ", no authentication" : ", HTTP basic authentication")
              + "); Ctrl+C stops.");
      out.flush();
      stop.await();
    }
    return 0;
  }

  /** --model from the models folder, else the built-in model. */
  private Path defaultModel(Path root) {
    if (model == null) {
      Path builtIn = ModelLocator.builtIn();
      if (!Files.exists(builtIn)) {
        throw new EngineException(
            "The built-in model is missing at " + builtIn + "; name one with --model.");
      }
      return builtIn;
    }
    for (ModelsFolder.Entry e : ModelsFolder.at(root).checkpoints()) {
      if (e.name().equals(model) || e.path().getFileName().toString().equals(model)) {
        if (e.refusal() != null) {
          throw new CliErrors.BadValue("--model " + model + " cannot be used. " + e.refusal());
        }
        return e.path();
      }
    }
    throw new CliErrors.BadValue(
        "--model "
            + model
            + " is not a checkpoint in "
            + root
            + "; 'stepwise models --root "
            + root
            + "' lists them.");
  }

  /** Whether {@code host} names this machine's loopback only (127.0.0.0/8, ::1, localhost). */
  static boolean loopback(String host) {
    try {
      InetAddress[] all = InetAddress.getAllByName(host);
      for (InetAddress a : all) {
        if (!a.isLoopbackAddress()) {
          return false;
        }
      }
      return all.length > 0;
    } catch (UnknownHostException e) {
      throw new CliErrors.BadValue("--host " + host + " is not an address this machine knows.");
    }
  }
}
