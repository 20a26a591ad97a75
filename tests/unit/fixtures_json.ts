// Response bodies shaped exactly as kube-apiserver 1.34 writes them: compact JSON
// from Go's encoding/json Encoder (fields in struct order, "\n" after each
// value). Checked with a reference JSON parser when written.

// GET /api/v1/namespaces/default/configmaps/pico-memory (created with kubectl apply).
export const CM: string =
  '{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"pico-memory","namespace":"default",' +
  '"uid":"0c5bd6f1-2a7e-4f3b-9d61-8e4a7c2b1f90","resourceVersion":"48213",' +
  '"creationTimestamp":"2025-09-14T10:22:31Z",' +
  '"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\\"apiVersion\\":\\"v1\\",' +
  '\\"data\\":{\\"memory_values\\":\\"0=0x42, 1=67, 0x3ff=0xFF\\"},\\"kind\\":\\"ConfigMap\\",' +
  '\\"metadata\\":{\\"annotations\\":{},\\"name\\":\\"pico-memory\\",\\"namespace\\":\\"default\\"}}\\n"},' +
  '"managedFields":[{"manager":"kubectl-client-side-apply","operation":"Update","apiVersion":"v1",' +
  '"time":"2025-09-14T10:22:31Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},' +
  '"f:memory_values":{}},"f:metadata":{"f:annotations":{".":{},' +
  '"f:kubectl.kubernetes.io/last-applied-configuration":{}}}}}]},"data":{"memory_values":"0=0x42, 1=67,' +
  ' 0x3ff=0xFF"}}\n';

// CM with the keys of every object in another order (and an extra data key).
export const CM_REORDERED: string =
  '{"data":{"other":"x","memory_values":"0=0x42, 1=67, 0x3ff=0xFF"},' +
  '"metadata":{"managedFields":[{"manager":"kubectl-client-side-apply","operation":"Update",' +
  '"apiVersion":"v1","time":"2025-09-14T10:22:31Z","fieldsType":"FieldsV1",' +
  '"fieldsV1":{"f:data":{".":{},"f:memory_values":{}},"f:metadata":{"f:annotations":{".":{},' +
  '"f:kubectl.kubernetes.io/last-applied-configuration":{}}}}}],' +
  '"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\\"apiVersion\\":\\"v1\\",' +
  '\\"data\\":{\\"memory_values\\":\\"0=0x42, 1=67, 0x3ff=0xFF\\"},\\"kind\\":\\"ConfigMap\\",' +
  '\\"metadata\\":{\\"annotations\\":{},\\"name\\":\\"pico-memory\\",\\"namespace\\":\\"default\\"}}\\n"},' +
  '"resourceVersion":"48213","creationTimestamp":"2025-09-14T10:22:31Z","namespace":"default",' +
  '"uid":"0c5bd6f1-2a7e-4f3b-9d61-8e4a7c2b1f90","name":"pico-memory"},"apiVersion":"v1",' +
  '"kind":"ConfigMap"}\n';

// A ConfigMap whose memory_values uses \t and \u escapes.
export const CM_ESCAPED: string =
  '{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"pico-memory","namespace":"default",' +
  '"uid":"0c5bd6f1-2a7e-4f3b-9d61-8e4a7c2b1f90","resourceVersion":"48377",' +
  '"creationTimestamp":"2025-09-14T10:22:31Z"},"data":{"memory_values":"0=0x42,' +
  '\\t1=67\\u002c\\u00200x3ff=0xFF\\n"}}\n';

// LIST /api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dpico-memory
export const CM_LIST: string =
  '{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"48290"},' +
  '"items":[{"metadata":{"name":"pico-memory","namespace":"default",' +
  '"uid":"0c5bd6f1-2a7e-4f3b-9d61-8e4a7c2b1f90","resourceVersion":"48213",' +
  '"creationTimestamp":"2025-09-14T10:22:31Z","managedFields":[{"manager":"kubectl-create",' +
  '"operation":"Update","apiVersion":"v1","time":"2025-09-14T10:22:31Z","fieldsType":"FieldsV1",' +
  '"fieldsV1":{"f:data":{".":{},"f:memory_values":{}}}}]},"data":{"memory_values":"0=0x42, 1=67,' +
  ' 0x3ff=0xFF"}}]}\n';

// The same LIST when the ConfigMap does not exist.
export const CM_LIST_EMPTY: string =
  '{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"48290"},"items":[]}\n';

// A watch stream: ADDED, MODIFIED, BOOKMARK, then an in-stream ERROR (410 Expired).
export const WATCH: string =
  '{"type":"ADDED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"pico-memory",' +
  '"namespace":"default","uid":"0c5bd6f1-2a7e-4f3b-9d61-8e4a7c2b1f90","resourceVersion":"48213",' +
  '"creationTimestamp":"2025-09-14T10:22:31Z","managedFields":[{"manager":"kubectl-edit",' +
  '"operation":"Update","apiVersion":"v1","time":"2025-09-14T10:22:31Z","fieldsType":"FieldsV1",' +
  '"fieldsV1":{"f:data":{".":{},"f:memory_values":{}}}}]},"data":{"memory_values":"0=0x42, 1=67,' +
  ' 0x3ff=0xFF"}}}\n{"type":"MODIFIED","object":{"kind":"ConfigMap","apiVersion":"v1",' +
  '"metadata":{"name":"pico-memory","namespace":"default","uid":"0c5bd6f1-2a7e-4f3b-9d61-8e4a7c2b1f90",' +
  '"resourceVersion":"48377","creationTimestamp":"2025-09-14T10:22:31Z",' +
  '"managedFields":[{"manager":"kubectl-edit","operation":"Update","apiVersion":"v1",' +
  '"time":"2025-09-14T10:25:02Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},' +
  '"f:memory_values":{}}}}]},"data":{"memory_values":"0=0x43,\\u00201=68"}}}\n{"type":"BOOKMARK",' +
  '"object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"48390",' +
  '"annotations":{"k8s.io/initial-events-end":"true"}}}}\n{"type":"ERROR","object":{"kind":"Status",' +
  '"apiVersion":"v1","metadata":{},"status":"Failure",' +
  '"message":"too old resource version: 48213 (48390)","reason":"Expired","code":410}}\n';

// A watch event with "object" before "type".
export const WATCH_OBJECT_FIRST: string =
  '{"object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"pico-memory",' +
  '"namespace":"default","uid":"0c5bd6f1-2a7e-4f3b-9d61-8e4a7c2b1f90","resourceVersion":"48377",' +
  '"creationTimestamp":"2025-09-14T10:22:31Z","managedFields":[{"manager":"kubectl-edit",' +
  '"operation":"Update","apiVersion":"v1","time":"2025-09-14T10:22:31Z","fieldsType":"FieldsV1",' +
  '"fieldsV1":{"f:data":{".":{},"f:memory_values":{}}}}]},"data":{"memory_values":"0=0x43"}},' +
  '"type":"MODIFIED"}\n';

// GET of a missing ConfigMap.
export const STATUS_404: string =
  '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",' +
  '"message":"configmaps \\"pico-memory\\" not found","reason":"NotFound",' +
  '"details":{"name":"pico-memory","kind":"configmaps"},"code":404}\n';

// PUT of a Lease with a stale resourceVersion.
export const STATUS_409: string =
  '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",' +
  '"message":"Operation cannot be fulfilled on leases.coordination.k8s.io \\"pico-1\\": the object has been modified; please apply your changes to the latest version and try again",' +
  '"reason":"Conflict","details":{"name":"pico-1","group":"coordination.k8s.io","kind":"leases"},' +
  '"code":409}\n';

// GET /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/pico-1
export const LEASE: string =
  '{"kind":"Lease","apiVersion":"coordination.k8s.io/v1","metadata":{"name":"pico-1",' +
  '"namespace":"kube-node-lease","uid":"a84e0b1c-6d2f-4e97-b3a5-1c8d9e7f2a46",' +
  '"resourceVersion":"48555","creationTimestamp":"2025-09-14T10:20:11Z",' +
  '"ownerReferences":[{"apiVersion":"v1","kind":"Node","name":"pico-1",' +
  '"uid":"3f9c2d7e-51a8-4b6e-8c0d-7a1e2f4b6c93"}],"managedFields":[{"manager":"pico-node",' +
  '"operation":"Update","apiVersion":"coordination.k8s.io/v1","time":"2025-09-14T10:30:01Z",' +
  '"fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:ownerReferences":{".":{},' +
  '"k:{\\"uid\\":\\"3f9c2d7e-51a8-4b6e-8c0d-7a1e2f4b6c93\\"}":{}}},"f:spec":{"f:holderIdentity":{},' +
  '"f:leaseDurationSeconds":{},"f:renewTime":{}}}}]},"spec":{"holderIdentity":"pico-1",' +
  '"leaseDurationSeconds":40,"renewTime":"2025-09-14T10:30:01.123456Z"}}\n';

// POST /api/v1/nodes: the created Node as returned (uid assigned, not-ready taint added by admission).
export const NODE: string =
  '{"kind":"Node","apiVersion":"v1","metadata":{"name":"pico-1",' +
  '"uid":"3f9c2d7e-51a8-4b6e-8c0d-7a1e2f4b6c93","resourceVersion":"48100",' +
  '"creationTimestamp":"2025-09-14T10:20:10Z","labels":{"beta.kubernetes.io/arch":"arm",' +
  '"beta.kubernetes.io/os":"linux","kubernetes.io/arch":"arm","kubernetes.io/hostname":"pico-1",' +
  '"kubernetes.io/os":"linux","node.kubernetes.io/instance-type":"pico-w"},' +
  '"managedFields":[{"manager":"pico-node","operation":"Update","apiVersion":"v1",' +
  '"time":"2025-09-14T10:20:10Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},' +
  '"f:beta.kubernetes.io/arch":{},"f:beta.kubernetes.io/os":{},"f:kubernetes.io/arch":{},' +
  '"f:kubernetes.io/hostname":{},"f:kubernetes.io/os":{},"f:node.kubernetes.io/instance-type":{}}}}}]},' +
  '"spec":{"taints":[{"key":"node.kubernetes.io/not-ready","effect":"NoSchedule"}]},' +
  '"status":{"capacity":{"cpu":"2","ephemeral-storage":"0","memory":"264Ki","pods":"0"},' +
  '"allocatable":{"cpu":"2","ephemeral-storage":"0","memory":"264Ki","pods":"0"},' +
  '"conditions":[{"type":"Ready","status":"False","lastHeartbeatTime":"2025-09-14T10:20:10Z",' +
  '"lastTransitionTime":"2025-09-14T10:20:10Z","reason":"KubeletNotReady","message":"starting"}],' +
  '"addresses":[{"type":"InternalIP","address":"192.168.1.77"},{"type":"Hostname","address":"pico-1"}],' +
  '"daemonEndpoints":{"kubeletEndpoint":{"Port":10250}},"nodeInfo":{"machineID":"","systemUUID":"",' +
  '"bootID":"","kernelVersion":"","osImage":"pico-sdk 2.1.1","containerRuntimeVersion":"",' +
  '"kubeletVersion":"v1.34.1-pico","kubeProxyVersion":"","operatingSystem":"linux",' +
  '"architecture":"arm"}}}\n';
