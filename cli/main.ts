// pico-node: the project's command line.
import fs from "node:fs";
import { clusterUp, clusterDown, defaultStateDir, readEnv } from "./cluster.js";
import { startSims, requireWasm, viaLocalProxy, WASM } from "./sims.js";
import { readDeviceConfig } from "./devices.js";

const USAGE = `usage: pico-node <command> [options]

  start                    local control plane + simulated Pico, with what to try next
  cluster up|down|env      the local control plane (etcd, kube-apiserver, kube-controller-manager, metrics-server)
      --state DIR            where it keeps certs, data and logs (default ${defaultStateDir()})
      --nodes a,b            node identities to create (default pico-node-1)
  proxy config             write the proxy's nginx configuration (templates in proxy/)
      --k3s | --local        API server, CA and admin kubeconfig of a k3s server / the local plane
      --api URL --api-ca F --kubeconfig F    or give them one by one
      --listen ADDR:PORT     default 0.0.0.0:6080 (--local: 127.0.0.1:6080)
      --public-url URL       what Picos dial (default http://<LAN address>:<port>)
      --client-ca F --client-ca-key F        the cluster's client CA, to sign without the CSR API
      --signer auto|csr|ca   auto: the CSR API if the admin may approve, else the CA files
      --rate 2r/s --burst 20 per-device rate limit
      --system               for the system nginx (conf.d include, /run/nginx.pid)
  proxy start|stop|reload|status   the stand-alone nginx of the proxy dir
  proxy install|uninstall  a systemd unit (pico-node-proxy.service) that runs the proxy at boot,
                           enabled and started at once where systemd runs (as root)
      --unit-dir DIR         default /etc/systemd/system; --no-enable: write the unit only
  proxy fault NAME ROUTE 500|503   the proxy answers that status for one device's route
                             (node-register, node-read, node-status, lease-create, lease,
                             config-map) instead of forwarding; --clear [NAME] ends it
      --dir DIR              proxy dir (default $PICO_NODE_PROXY_DIR, ~/.config/pico-node/proxy,
                             or <state>/proxy with --state); keys and tokens live here, 0600
  enroll NAME... [--config-map NS/NAME] [--signer auto|csr|ca] [--dir DIR]
                           a key, a node certificate, a token, RBAC for its ConfigMap and
                           DIR/devices/NAME/device.env; enrolling again keeps them
  provision NAME [--dir DIR] [--wifi-ssid S --wifi-password P] [-o FILE.uf2] [--load]
                           a UF2 that writes the enrolled device's settings (device.env) and Wi-Fi
                           (or PICO_WIFI_SSID/PICO_WIFI_PASSWORD) into the board's provisioning area:
                           once per board, kept across firmware updates (default
                           DIR/devices/NAME/provisioning.uf2, 0600: it holds secrets); --load
                           writes it with picotool instead (board in BOOTSEL mode)
  revoke NAME... [--dir DIR]   remove the device's token, key and RBAC; reload nginx
  approver [--dir DIR]     approve the kubelet-serving CSRs of the devices enrolled at the proxy
                           (requester, subject and SANs checked; others left pending, logged)
  sim                      run simulated Picos
      --device FILE          a device.env written by enroll (proxy URL, name, token, ConfigMap)
      --api URL              http://HOST:PORT of the proxy, or https://… of the API server
                             (then the node's client certificate from the local cluster is used);
                             default: the local proxy (<state>/proxy, enrolling the names) if it
                             runs, else the local API server
      --name NAME            node name (default pico-node-1); with --count, NAME-1 … NAME-N
      --count N              a fleet of N nodes in one process
      --kubelet-port P       first kubelet port (default 10250; the fleet counts up)
      --config-map NS/NAME   the ConfigMap to follow (default default/pico-config)
      --token T              bearer token for the proxy
      --client-ca FILE       the cluster's client CA (PEM): whose client certificates the kubelet
                             port accepts (default: the local cluster's CA, when one is up)
      --log-level L          error, warn, info (default) or debug
      --firmware-pubkey F    take firmware updates signed with this key (PEM public key; images
                             for board sim, engine js), starting at --firmware-version (1.0.0)
  firmware build           the Pico W firmware (k3s_pico_node.uf2, the same for every board),
                           --engine aot|wasm3 (default aot), --board pico_w|pico,
                           --sdk/--picotool/--wasm3/--mbedtls DIRs, --build-dir DIR (README "Firmware");
                           --firmware-pubkey F (or PICO_FIRMWARE_PUBKEY): an updatable build, the
                           bootloader k3s_pico_boot and the firmware for its run slot
  firmware keygen [--key PATH]   an ECDSA P-256 key for signing updates (default
                           ~/.config/pico-node/firmware-signing.pem, 0600, never in the repo; the
                           public key beside it as <name>.pub.pem); never overwrites a key
  firmware sign PAYLOAD --version X.Y.Z --board pico_w|pico|sim|posix-<machine> --engine aot|wasm3|js
                [--key PATH] [--out FILE]   a signed update image (.pkfw, docs/firmware-update.md)
  firmware verify FILE.pkfw [--pubkey PATH] [--sha256 HEX]   its header, then OK or the refusal
  firmware publish FILE.pkfw [--dir PROXYDIR | --store DIR] [--pubkey PATH]   copy it where the
                           proxy serves it (<board>/<engine>/<version>.pkfw in the proxy's firmware
                           directory, or in DIR) and print the ConfigMap lines
  firmware uf2 FILE.pkfw --bootloader k3s_pico_boot.bin [--out FILE.uf2] [--pubkey PATH]   a new
                           board's first flash: the bootloader, the image in the run slot, no update
                           pending (its settings: pico-node provision)
  firmware status [--kubeconfig F] [--dir PROXYDIR]   every node's running and declared version,
                           and how its update goes (PicoFirmware)
  firmware rollout IMAGE.pkfw [--selector L] [--max-unavailable N] [--timeout-s S] [--kubeconfig F]
                [--dir PROXYDIR]   declares the image in each device's ConfigMap, N at a time (default
                           1), waits for each to confirm; stops at the first RolledBack or refusal,
                           naming it; run it again to resume
  info                     what build/core.wasm is
`;

function args(argv: string[]): { pos: string[]; opt: Record<string, string> } {
  const pos: string[] = [];
  const opt: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-o" && argv[i + 1] !== undefined) opt.out = argv[++i];
    else if (a.startsWith("--")) {
      const [k, v] = a.slice(2).split("=", 2);
      opt[k] = v ?? (argv[i + 1] && !argv[i + 1].startsWith("--") ? argv[++i] : "true");
    } else pos.push(a);
  }
  return { pos, opt };
}

async function cmdCluster(pos: string[], opt: Record<string, string>): Promise<void> {
  const state = opt.state ?? defaultStateDir();
  const sub = pos[1];
  if (sub === "up") {
    const env = clusterUp({ state, nodes: (opt.nodes ?? "pico-node-1").split(",") });
    console.log(`control plane up: ${env.apiUrl}\nexport KUBECONFIG=${env.kubeconfig}`);
  } else if (sub === "down") {
    clusterDown(state);
  } else if (sub === "env") {
    const env = readEnv(state);
    if (!env) throw new Error(`no control plane is up at ${state}`);
    console.log(`export KUBECONFIG=${env.kubeconfig}\nexport K8S_API_URL=${env.apiUrl}`);
  } else throw new Error("cluster: up, down or env");
}

async function cmdSim(opt: Record<string, string>): Promise<void> {
  const base = opt.name ?? "pico-node-1";
  const count = Number(opt.count ?? 1);
  if (!(count >= 1)) throw new Error("--count must be a positive number");
  const names = count === 1 ? [base] : Array.from({ length: count }, (_, i) => `${base}-${i + 1}`);
  const state = opt.state ?? defaultStateDir();
  const extraConfig = opt["log-level"] ? `log_level=${opt["log-level"]}\n` : undefined;
  const clientCa = opt["client-ca"] ? fs.readFileSync(opt["client-ca"]) : undefined;
  const firmware = opt["firmware-pubkey"]
    ? { version: opt["firmware-version"] ?? "1.0.0", trustedKey: (await import("./firmware_image.js")).readPublicKey(opt["firmware-pubkey"]) }
    : undefined;
  const common = { kubeletPort: Number(opt["kubelet-port"] ?? 10250), state: opt.state, extraConfig, clientCa, firmware };
  let picos;
  if (opt.device) {
    const d = readDeviceConfig(opt.device);
    picos = await startSims({ ...common, api: opt.api ?? d.api, names: [d.name], token: d.token, configMap: d.configMap });
  } else {
    const proxy = opt.api ? null : await viaLocalProxy(state, names, opt["config-map"], (l) => console.log(l));
    const api = opt.api ?? proxy?.api ?? readEnv(state)?.apiUrl;
    if (!api) throw new Error("--api or --device is required (no local cluster is up)");
    picos = await startSims({ ...common, api, names, configMap: opt["config-map"], token: opt.token, tokens: proxy?.tokens });
  }
  const stop = async () => {
    await Promise.all(picos.map((p) => p.stop()));
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

async function main(): Promise<void> {
  const { pos, opt } = args(process.argv.slice(2));
  switch (pos[0]) {
    case "start":
      await (await import("./start.js")).start(opt);
      break;
    case "cluster":
      await cmdCluster(pos, opt);
      break;
    case "sim":
      await cmdSim(opt);
      break;
    case "approver":
      await (await import("./proxy_commands.js")).cmdApprover(opt);
      break;
    case "proxy":
      await (await import("./proxy_commands.js")).cmdProxy(pos, opt);
      break;
    case "enroll":
      await (await import("./proxy_commands.js")).cmdEnroll(pos, opt);
      break;
    case "provision":
      await (await import("./provision.js")).cmdProvision(pos, opt);
      break;
    case "revoke":
      await (await import("./proxy_commands.js")).cmdRevoke(pos, opt);
      break;
    case "firmware":
      if (pos[1] === "build") (await import("./firmware.js")).firmwareBuild(opt);
      else await (await import("./firmware_commands.js")).cmdFirmware(pos, opt);
      break;
    case "info": {
      requireWasm();
      const mod = await WebAssembly.compile(fs.readFileSync(WASM));
      const env: Record<string, () => number> = {};
      for (const i of WebAssembly.Module.imports(mod)) env[i.name] = () => 0;
      const x = (await WebAssembly.instantiate(mod, { env })).exports as any;
      console.log(`core.wasm: ${fs.statSync(WASM).size} bytes, ABI ${x.abi_version()}`);
      break;
    }
    case undefined:
    case "help":
      process.stdout.write(USAGE);
      break;
    default:
      process.stderr.write(`pico-node: unknown command '${pos[0]}'\n\n${USAGE}`);
      process.exit(2);
  }
}

main().catch((e: Error) => {
  console.error(`pico-node: ${e.message}`);
  process.exit(1);
});
