import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, methodNames, type BallastBridge, type PushEvent } from '../shared/api';

// Named functions only: the renderer never sees ipcRenderer or a free-form channel. Main validates
// the sender, the method name and the payload of every call again.
const methods = Object.fromEntries(
  methodNames.map((name) => [name, (input: unknown, callId?: string) => ipcRenderer.invoke(IPC_CALL_CHANNEL, name, input, callId)]),
) as BallastBridge['methods'];

const bridge = {
  transport: 'ipc',
  methods,
  onEvent(listener: (event: PushEvent) => void) {
    const handler = (_event: IpcRendererEvent, payload: PushEvent) => listener(payload);
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
    };
  },
} satisfies BallastBridge;

contextBridge.exposeInMainWorld('ballast', bridge);
