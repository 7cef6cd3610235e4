/**
 * The browser's WebSocket as the transport of a Connection (connection.js): JSON objects in
 * and out, anything else received is dropped. Tests give a Connection a fake of the same shape.
 */

/**
 * A function that opens a socket to `url` and reports to `on.open()`, `on.frame(object)` and
 * `on.close(code)`; it returns { isOpen(), send(frame), close() }, where close() is on purpose
 * and reports nothing more.
 */
export function webSocket(url) {
  return (on) => {
    const socket = new WebSocket(url);
    socket.onopen = () => on.open();
    socket.onmessage = (m) => {
      let frame;
      try {
        frame = JSON.parse(m.data);
      } catch {
        return;
      }
      if (frame && typeof frame === "object") on.frame(frame);
    };
    socket.onclose = (e) => on.close(e.code);
    return {
      isOpen: () => socket.readyState === WebSocket.OPEN,
      send: (frame) => socket.send(JSON.stringify(frame)),
      close() {
        socket.onopen = null;
        socket.onmessage = null;
        socket.onclose = null;
        socket.close();
      },
    };
  };
}
