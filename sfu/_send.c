/* sfu._send: one forwarded RTP packet written, protected and sent in a single call.
 *
 * The forwarding path spends more of its time around the work than in it: a header packed
 * into a bytes object, the payload copied after it, that copy copied again into SRTP's
 * buffer and back out, and the datagram transport converting the address on every send.
 * An SrtpSender keeps one buffer, the peer's address as a sockaddr, the socket's file
 * descriptor and the libsrtp context of its connection, and does all of it in C. It calls
 * libsrtp through the very function pylibsrtp uses, on the context pylibsrtp owns, so the
 * packet index and keys are shared with every other packet of the connection.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#define BUFFER_SIZE 1500 /* pylibsrtp's own limit: nothing longer is protected */
#define HEADER_SIZE 12

typedef int (*protect_fn)(void *context, void *packet, int *length);

typedef struct {
    PyObject_HEAD
    int fd;
    struct sockaddr_storage address;
    socklen_t address_length;
    protect_fn protect;
    void *context;
    int trailer;
    unsigned char buffer[BUFFER_SIZE];
} SrtpSender;

static int
SrtpSender_init(SrtpSender *self, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"fd", "host", "port", "protect", "context", "trailer", NULL};
    int fd, port, trailer;
    const char *host;
    unsigned long long protect, context;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "isiKKi", names, &fd, &host, &port,
                                     &protect, &context, &trailer))
        return -1;
    if (fd < 0 || port < 0 || port > 65535 || trailer < 0 || trailer >= BUFFER_SIZE ||
        !protect || !context) {
        PyErr_SetString(PyExc_ValueError, "invalid socket, port, trailer or SRTP context");
        return -1;
    }
    memset(&self->address, 0, sizeof(self->address));
    struct sockaddr_in *v4 = (struct sockaddr_in *)&self->address;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&self->address;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        self->address_length = sizeof(*v4);
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        self->address_length = sizeof(*v6);
    } else {
        PyErr_Format(PyExc_ValueError, "not an IP address: %s", host);
        return -1;
    }
    self->fd = fd;
    self->protect = (protect_fn)(uintptr_t)protect;
    self->context = (void *)(uintptr_t)context;
    self->trailer = trailer;
    return 0;
}

static int
read_int(PyObject *value, unsigned long limit, unsigned long *out)
{
    unsigned long v = PyLong_AsUnsignedLong(value);
    if (v == (unsigned long)-1 && PyErr_Occurred())
        return -1;
    if (v > limit) {
        PyErr_SetString(PyExc_OverflowError, "RTP header field out of range");
        return -1;
    }
    *out = v;
    return 0;
}

/* send(first, second, seq, ts, ssrc, extension, payload) -> bool
 *
 * first and second are the header's first two bytes (version, padding, extension bit;
 * marker and payload type); extension is the extension block with its own 4-byte header,
 * or empty. True when the datagram was handed to the kernel, False when the socket
 * refused it for now (full, or filtered): a lost packet, which the receiver may ask for
 * again. */
static PyObject *
SrtpSender_send(SrtpSender *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError, "send() takes 7 arguments");
        return NULL;
    }
    unsigned long first, second, seq, ts, ssrc;
    if (read_int(args[0], 0xFF, &first) || read_int(args[1], 0xFF, &second) ||
        read_int(args[2], 0xFFFF, &seq) || read_int(args[3], 0xFFFFFFFFul, &ts) ||
        read_int(args[4], 0xFFFFFFFFul, &ssrc))
        return NULL;
    Py_buffer extension, payload;
    if (PyObject_GetBuffer(args[5], &extension, PyBUF_SIMPLE) < 0)
        return NULL;
    if (PyObject_GetBuffer(args[6], &payload, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&extension);
        return NULL;
    }
    Py_ssize_t length = HEADER_SIZE + extension.len + payload.len;
    if (length > BUFFER_SIZE - self->trailer) {
        PyBuffer_Release(&extension);
        PyBuffer_Release(&payload);
        PyErr_SetString(PyExc_ValueError, "packet is too long");
        return NULL;
    }
    unsigned char *p = self->buffer;
    p[0] = (unsigned char)first;
    p[1] = (unsigned char)second;
    p[2] = (unsigned char)(seq >> 8);
    p[3] = (unsigned char)seq;
    p[4] = (unsigned char)(ts >> 24);
    p[5] = (unsigned char)(ts >> 16);
    p[6] = (unsigned char)(ts >> 8);
    p[7] = (unsigned char)ts;
    p[8] = (unsigned char)(ssrc >> 24);
    p[9] = (unsigned char)(ssrc >> 16);
    p[10] = (unsigned char)(ssrc >> 8);
    p[11] = (unsigned char)ssrc;
    memcpy(p + HEADER_SIZE, extension.buf, (size_t)extension.len);
    memcpy(p + HEADER_SIZE + extension.len, payload.buf, (size_t)payload.len);
    PyBuffer_Release(&extension);
    PyBuffer_Release(&payload);

    int protected_length = (int)length;
    int status = self->protect(self->context, p, &protected_length);
    if (status) {
        PyErr_Format(PyExc_RuntimeError, "srtp_protect failed with status %d", status);
        return NULL;
    }
    ssize_t sent = sendto(self->fd, p, (size_t)protected_length, 0,
                          (struct sockaddr *)&self->address, self->address_length);
    if (sent < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS || errno == EPERM ||
            errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH)
            Py_RETURN_FALSE;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    Py_RETURN_TRUE;
}

static PyMethodDef SrtpSender_methods[] = {
    {"send", (PyCFunction)(void (*)(void))SrtpSender_send, METH_FASTCALL,
     "send(first, second, seq, ts, ssrc, extension, payload) -> bool"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject SrtpSenderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "sfu._send.SrtpSender",
    .tp_doc = "Writes, protects and sends forwarded RTP packets to one peer.",
    .tp_basicsize = sizeof(SrtpSender),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)SrtpSender_init,
    .tp_methods = SrtpSender_methods,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "sfu._send",
    .m_doc = "Forwarded RTP written, protected and sent in one call.",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__send(void)
{
    if (PyType_Ready(&SrtpSenderType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&SrtpSenderType);
    if (PyModule_AddObject(m, "SrtpSender", (PyObject *)&SrtpSenderType) < 0) {
        Py_DECREF(&SrtpSenderType);
        Py_DECREF(m);
        return NULL;
    }
    PyModule_AddIntConstant(m, "BUFFER_SIZE", BUFFER_SIZE);
    return m;
}
