# Latency's Python harness: times a Python callable in the interpreter the user's code runs in.
#
# Started by the profiler as
#     <interpreter> latency_harness.py run '<json: HarnessRunConfig>'
#     <interpreter> latency_harness.py probe '<json: {"cuda": bool}>'
# and spoken to in JSON lines (src/core/pythonProtocol.ts declares every message):
#   - harness -> profiler: one JSON object per line on the ORIGINAL stdout, duplicated at start;
#     fd 1 and sys.stdout are then pointed at stderr, so nothing the user's code prints (print,
#     C-level writes, partial lines, binary) can reach the protocol stream;
#   - profiler -> harness: "stop" (end the current phase after the call in progress) or "cancel"
#     (end the run) on stdin, read by a daemon thread; the flags are looked at only when samples
#     are flushed. End of stdin means the profiler is gone: the harness exits at once.
#
# Import and setup run outside the timed region and are timed apart; the first call is the cold
# start; then warm-up and measured calls, each timed alone with time.perf_counter_ns() in this
# process: no timing crosses the process boundary. Samples are sent in batches, when at least
# flushIntervalMs passed since the previous batch (judged on the end stamp already taken, so no
# extra clock read per call) and at each phase's end.
#
# Standard library only (numpy or torch are touched only when the user's code imported them).
# Kept parseable by old Pythons, so an interpreter that is too old gets a clear message rather
# than a SyntaxError: no f-strings, annotations, keyword-only arguments or walrus here.

import json
import os
import sys

PROTOCOL = 1
MIN_VERSION = (3, 8)
# Distributions whose versions change timings; read from metadata, never imported.
PACKAGES = (
    'numpy', 'scipy', 'torch', 'torchvision', 'onnxruntime', 'onnxruntime-gpu',
    'jax', 'jaxlib', 'tensorflow', 'transformers',
)
EXIT_ORPHANED = 70

_out_fd = 1
_send_lock = None


def send(obj):
    data = (json.dumps(obj, separators=(',', ':')) + '\n').encode('ascii')
    view = memoryview(data)
    lock = _send_lock
    if lock is not None:
        lock.acquire()
    try:
        while view:
            n = os.write(_out_fd, view)
            view = view[n:]
    except OSError:
        # The profiler stopped reading (it died or gave up on us): nobody is listening.
        os._exit(EXIT_ORPHANED)
    finally:
        if lock is not None:
            lock.release()


def version_string():
    return '%d.%d.%d' % tuple(sys.version_info[:3])


if tuple(sys.version_info[:2]) < MIN_VERSION:
    send({
        't': 'error', 'phase': 'startup', 'type': 'PythonTooOld', 'traceback': '',
        'message': 'Python %s is too old: Latency needs Python %d.%d or newer' % ((version_string(),) + MIN_VERSION),
        'version': version_string(),
    })
    sys.exit(3)

import threading  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

HARNESS_FILE = os.path.abspath(__file__)


class Control(object):
    stop = False
    cancel = False


class Loop(object):
    """The phase in progress for flush_pending(), replaced as one tuple at each flush (never per
    call): (phase, the list now collecting samples, the calls sent before it, the phase's start)."""
    state = None


def flush_pending():
    """From the control thread, when the profiler suspects a hang: the samples not yet sent.

    It races the main thread, so it reads one consistent tuple: the list in it only ever grows
    and holds the calls after the count in it. Once the main thread has sent that list too, the
    same calls go out twice; their count tells the profiler they are not new.
    """
    state = Loop.state
    if state is None:
        return
    phase, samples, sent, start = state
    snapshot = list(samples)
    flush(phase, snapshot, sent + len(snapshot), time.perf_counter_ns() - start, False)


def isolate_streams():
    """Keeps the protocol on a private duplicate of stdout; the user's stdout goes to stderr.

    stdin likewise: control lines are read from a private duplicate and fd 0 becomes /dev/null,
    so code that reads stdin can neither eat a "stop" nor block on the profiler.
    """
    global _out_fd, _send_lock
    _send_lock = threading.Lock()
    try:
        sys.stdout.flush()
    except Exception:
        pass
    _out_fd = os.dup(1)  # not inheritable: the user's subprocesses never get the protocol fd
    os.dup2(2, 1)
    sys.stdout = open(1, 'w', buffering=1, encoding='utf-8', errors='backslashreplace', closefd=False)
    control_fd = os.dup(0)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdin = open(0, 'r', closefd=False)
    return control_fd


def start_control_reader(control_fd):
    def read():
        try:
            with open(control_fd, 'rb', buffering=0) as f:
                pending = b''
                while True:
                    chunk = f.read(256)
                    if not chunk:
                        break
                    pending += chunk
                    while b'\n' in pending:
                        line, pending = pending.split(b'\n', 1)
                        word = line.strip()
                        if word == b'stop':
                            Control.stop = True
                        elif word == b'cancel':
                            Control.cancel = True
                            Control.stop = True
                        elif word == b'flush':
                            flush_pending()
        except Exception:
            pass
        # The profiler closed our stdin or died: nobody is listening, so do not run on.
        os._exit(EXIT_ORPHANED)

    thread = threading.Thread(target=read, name='latency-control')
    thread.daemon = True
    thread.start()


def install_fault_dumps():
    """A crash, or SIGUSR1 from the profiler's watchdog, writes every thread's stack to stderr."""
    try:
        import faulthandler
        import signal
        faulthandler.enable(file=sys.__stderr__, all_threads=True)
        if hasattr(signal, 'SIGUSR1'):
            faulthandler.register(signal.SIGUSR1, file=sys.__stderr__, all_threads=True)
    except Exception:
        pass


def peak_rss_bytes():
    try:
        import resource
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # Linux reports KiB, macOS bytes.
        return int(peak if sys.platform == 'darwin' else peak * 1024)
    except Exception:
        pass
    if sys.platform == 'win32':
        try:
            import ctypes
            from ctypes import wintypes

            class Counters(ctypes.Structure):
                _fields_ = [
                    ('cb', wintypes.DWORD), ('PageFaultCount', wintypes.DWORD),
                    ('PeakWorkingSetSize', ctypes.c_size_t), ('WorkingSetSize', ctypes.c_size_t),
                    ('QuotaPeakPagedPoolUsage', ctypes.c_size_t), ('QuotaPagedPoolUsage', ctypes.c_size_t),
                    ('QuotaPeakNonPagedPoolUsage', ctypes.c_size_t), ('QuotaNonPagedPoolUsage', ctypes.c_size_t),
                    ('PagefileUsage', ctypes.c_size_t), ('PeakPagefileUsage', ctypes.c_size_t),
                ]
            counters = Counters()
            counters.cb = ctypes.sizeof(Counters)
            process = ctypes.windll.kernel32.GetCurrentProcess()
            if ctypes.windll.psapi.GetProcessMemoryInfo(process, ctypes.byref(counters), counters.cb):
                return int(counters.PeakWorkingSetSize)
        except Exception:
            pass
    return 0


def package_versions():
    out = {}
    try:
        from importlib import metadata
    except Exception:
        return out
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except Exception:
            pass
    return out


def interpreter_info():
    return {
        'version': version_string(),
        'executable': sys.executable or '',
        'packages': package_versions(),
    }


# --- errors ---------------------------------------------------------------------------------

def same_file(a, b):
    try:
        return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))
    except Exception:
        return False


def user_traceback(exc):
    """The traceback without the harness's own frames and importlib's machinery in front."""
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if same_file(name, HARNESS_FILE) or name.startswith('<frozen importlib'):
            tb = tb.tb_next
        else:
            break
    try:
        return ''.join(traceback.format_exception(type(exc), exc, tb))
    except Exception:
        return ''


def last_line_in(exc, path):
    """The last frame of the traceback that lies in `path`: where the user's file was when it raised."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if same_file(tb.tb_frame.f_code.co_filename, path):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def safe_str(exc):
    try:
        return str(exc)
    except Exception:
        return '<%s: str() failed>' % type(exc).__name__


def error_message(phase, exc, path, iteration=None):
    msg = {
        't': 'error', 'phase': phase, 'type': type(exc).__name__, 'message': safe_str(exc),
        'traceback': user_traceback(exc),
    }
    if isinstance(exc, SyntaxError):
        # Its own location is the one that matters; msg is the bare reason ("invalid syntax").
        if exc.filename:
            msg['file'] = exc.filename
        if exc.lineno:
            msg['line'] = exc.lineno
        if exc.msg:
            msg['message'] = exc.msg
    elif path is not None:
        line = last_line_in(exc, path)
        if line is not None:
            msg['file'] = path
            msg['line'] = line
    if isinstance(exc, ImportError) and getattr(exc, 'name', None):
        msg['module'] = exc.name
    if iteration is not None:
        msg['iteration'] = iteration
    return msg


class Abort(Exception):
    """The run cannot go on; the message has been sent."""


# --- loading --------------------------------------------------------------------------------

def load_module(path):
    import importlib.util
    folder = os.path.dirname(path)
    sys.path.insert(0, folder)
    stem = os.path.splitext(os.path.basename(path))[0]
    # Under its own name when free, so the file's own modules that import it get this very module.
    name = stem if stem.isidentifier() and stem not in sys.modules else '__latency_target__'
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError('cannot load %s as a Python module' % path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    t0 = time.perf_counter_ns()
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module, time.perf_counter_ns() - t0


def top_level_callables(module):
    """What the file itself defines (functions, classes, instances with __call__), in order."""
    out = []
    for name, value in list(vars(module).items()):
        if name.startswith('_') or not callable(value):
            continue
        if getattr(value, '__module__', None) == module.__name__:
            out.append(name)
    return out


def resolve(module, dotted):
    value = module
    for part in dotted.split('.'):
        if not hasattr(value, part):
            return None
        value = getattr(value, part)
    return value


def missing(module, path, name, role):
    send({
        't': 'error', 'phase': 'resolve', 'type': 'NameNotFound', 'traceback': '', 'file': path,
        'message': '%s does not define %s' % (os.path.basename(path), name),
        'missing': {'name': name, 'role': role}, 'defines': top_level_callables(module),
    })
    raise Abort()


def not_callable(path, name, value, role):
    send({
        't': 'error', 'phase': 'resolve', 'type': 'TypeError', 'traceback': '', 'file': path,
        'message': '%s in %s is not callable (it is %s)' % (name, os.path.basename(path), type(value).__name__),
        'missing': {'name': name, 'role': role}, 'defines': [],
    })
    raise Abort()


def def_line(fn, path):
    """1-based line of the function's `def` in `path`, through functools.wraps; None elsewhere."""
    f = fn
    for _ in range(100):
        inner = getattr(f, '__wrapped__', None)
        if inner is None:
            break
        f = inner
    code = getattr(f, '__code__', None)
    if code is None:
        code = getattr(getattr(f, '__func__', None), '__code__', None)
    if code is None:
        call = getattr(type(f), '__call__', None)
        code = getattr(call, '__code__', None)
    if code is None or not same_file(code.co_filename, path):
        return None
    line = code.co_firstlineno
    # co_firstlineno is the first decorator's line when there are decorators: find the def itself.
    try:
        import linecache
        import re
        pattern = re.compile(r'\s*(async\s+)?def\s+' + re.escape(code.co_name) + r'\b')
        for n in range(line, line + 50):
            text = linecache.getline(code.co_filename, n)
            if not text:
                break
            if pattern.match(text):
                return n
    except Exception:
        pass
    return line


# --- CUDA -----------------------------------------------------------------------------------

def active_cuda():
    """torch.cuda when the user's code imported torch and CUDA is initialized; else None."""
    torch = sys.modules.get('torch')
    if torch is None:
        return None
    try:
        cuda = torch.cuda
        if cuda.is_available() and cuda.is_initialized():
            return cuda
    except Exception:
        pass
    return None


def cuda_info(cuda):
    torch = sys.modules.get('torch')
    info = {'device': 'cuda', 'runtime': None, 'capability': None}
    try:
        index = cuda.current_device()
        info['device'] = str(cuda.get_device_name(index))
        major, minor = cuda.get_device_capability(index)
        info['capability'] = '%d.%d' % (major, minor)
    except Exception:
        pass
    try:
        runtime = torch.version.cuda
        info['runtime'] = None if runtime is None else str(runtime)
    except Exception:
        pass
    return info


# --- timing ---------------------------------------------------------------------------------

def timed_phase(call, sync, phase, total, interval_ns):
    """Up to `total` calls, each timed alone; flushes batches; returns the calls completed.

    A call that raises is reported with its 1-based iteration in the phase, after the samples
    before it have been flushed, and ends the run (Abort).
    """
    pc = time.perf_counter_ns
    samples = []
    append = samples.append
    start = pc()
    last = start
    done = 0
    i = -1
    if Control.stop:
        total = 0
    Loop.state = (phase, samples, 0, start)
    try:
        # Two copies of the loop: the common, CUDA-free one pays no per-call test for the sync.
        if sync is None:
            for i in range(total):
                t0 = pc()
                call()
                t1 = pc()
                append(t1 - t0)
                if t1 - last >= interval_ns:
                    done = i + 1
                    flush(phase, samples, done, t1 - start, False)
                    samples = []
                    append = samples.append
                    Loop.state = (phase, samples, done, start)
                    last = t1
                    if Control.stop:
                        break
        else:
            for i in range(total):
                sync()
                t0 = pc()
                call()
                sync()
                t1 = pc()
                append(t1 - t0)
                if t1 - last >= interval_ns:
                    done = i + 1
                    flush(phase, samples, done, t1 - start, False)
                    samples = []
                    append = samples.append
                    Loop.state = (phase, samples, done, start)
                    last = t1
                    if Control.stop:
                        break
    except BaseException as exc:
        Loop.state = None
        done += len(samples)
        flush(phase, samples, done, pc() - start, True)
        raise CallFailed(exc, phase, done + 1)
    done += len(samples)
    flush(phase, samples, done, pc() - start, True)
    Loop.state = None
    return done


class CallFailed(Exception):
    def __init__(self, exc, phase, iteration):
        Exception.__init__(self)
        self.exc = exc
        self.phase = phase
        self.iteration = iteration


# A batch of a fast function can hold a million samples: sent as several lines of at most this
# many, so no single line (and no transient JSON string) grows large.
MAX_LINE_SAMPLES = 65536


def flush(phase, samples, count, wall_ns, final):
    """Sends calls count - len(samples) + 1 ... count of the phase."""
    rss = peak_rss_bytes()
    n = len(samples)
    first = count - n
    lo = 0
    while True:
        hi = min(n, lo + MAX_LINE_SAMPLES)
        last = hi >= n
        send({
            't': 'samples', 'phase': phase, 'ns': samples if lo == 0 and last else samples[lo:hi],
            'count': first + hi, 'wallNs': wall_ns, 'rssBytes': rss, 'final': final and last,
        })
        if last:
            return
        lo = hi


# --- modes ----------------------------------------------------------------------------------

def run(cfg):
    control_fd = isolate_streams()
    start_control_reader(control_fd)
    install_fault_dumps()
    path = os.path.abspath(cfg['file'])
    sys.argv = [path]
    hello = interpreter_info()
    hello.update({'t': 'hello', 'protocol': PROTOCOL, 'pid': os.getpid()})
    send(hello)

    try:
        module, import_ns = load_module(path)
    except BaseException as exc:
        send(error_message('import', exc, path))
        raise Abort()
    send({'t': 'imported', 'importNs': import_ns, 'module': module.__name__})

    fn_name = cfg['function']
    fn = resolve(module, fn_name)
    if fn is None:
        missing(module, path, fn_name, 'function')
    if not callable(fn):
        not_callable(path, fn_name, fn, 'function')
    setup_name = cfg.get('setup')
    setup_fn = None
    if setup_name:
        setup_fn = resolve(module, setup_name)
        if setup_fn is None:
            missing(module, path, setup_name, 'setup')
    elif cfg.get('scriptForm'):
        setup_fn = resolve(module, 'setup')
        setup_name = 'setup' if setup_fn is not None and callable(setup_fn) else None
        if setup_name is None:
            setup_fn = None
    if setup_fn is not None and not callable(setup_fn):
        not_callable(path, setup_name, setup_fn, 'setup')

    arg = None
    setup_ns = 0
    if setup_fn is not None:
        t0 = time.perf_counter_ns()
        try:
            arg = setup_fn()
        except BaseException as exc:
            send(error_message('setup', exc, path))
            raise Abort()
        setup_ns = time.perf_counter_ns() - t0
    send({'t': 'ready', 'setupNs': setup_ns, 'function': fn_name, 'setup': setup_name, 'line': def_line(fn, path)})

    if arg is None:
        call = fn
    else:
        import functools
        call = functools.partial(fn, arg)

    # CUDA already in use after setup (a model moved to the GPU): time the cold call the same way.
    cuda = active_cuda()
    if cuda is not None:
        try:
            cuda.reset_peak_memory_stats()
        except Exception:
            pass
    pc = time.perf_counter_ns
    try:
        if cuda is not None:
            cuda.synchronize()
        t0 = pc()
        call()
        if cuda is None:
            cuda = active_cuda()
        if cuda is not None:
            cuda.synchronize()
        t1 = pc()
    except BaseException as exc:
        send(error_message('first', exc, path, 1))
        raise Abort()
    sync = cuda.synchronize if cuda is not None else None
    send({'t': 'cold', 'ns': t1 - t0, 'synchronized': sync is not None, 'cuda': cuda_info(cuda) if cuda is not None else None})

    interval_ns = max(0, int(cfg.get('flushIntervalMs', 200) * 1e6))
    try:
        if not Control.cancel:
            timed_phase(call, sync, 'warmup', int(cfg['warmup']), interval_ns)
        Control.stop = Control.cancel
        if not Control.cancel:
            timed_phase(call, sync, 'measure', int(cfg['iterations']), interval_ns)
    except CallFailed as failed:
        send(error_message(failed.phase, failed.exc, path, failed.iteration))
        raise Abort()

    peak_cuda = None
    if cuda is not None:
        try:
            peak_cuda = int(cuda.max_memory_allocated())
        except Exception:
            pass
    send({'t': 'done', 'rssBytes': peak_rss_bytes(), 'cudaPeakAllocatedBytes': peak_cuda})


def probe(cfg):
    control_fd = isolate_streams()
    start_control_reader(control_fd)
    install_fault_dumps()
    info = interpreter_info()
    info['t'] = 'probe'
    if not cfg.get('cuda'):
        send(info)
        return
    import warnings
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            import torch
            available = torch.cuda.is_available()
    except BaseException as exc:
        send(info)
        send(error_message('probe', exc, None))
        raise Abort()
    if available:
        try:
            torch.cuda.init()
            info['cuda'] = cuda_info(torch.cuda)
            send(info)
            return
        except BaseException as exc:
            send(info)
            send(error_message('probe', exc, None))
            raise Abort()
    send(info)
    # is_available() is False without saying why; init() raises torch's own explanation.
    try:
        torch.cuda.init()
    except BaseException as exc:
        send(error_message('probe', exc, None))
        raise Abort()
    reason = ' '.join(safe_str(w.message) for w in caught if 'CUDA' in safe_str(w.message))
    send({
        't': 'error', 'phase': 'probe', 'type': 'CudaUnavailable', 'traceback': '',
        'message': reason or 'torch.cuda.is_available() is False: torch sees no CUDA device',
    })
    raise Abort()


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ''
    cfg = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    try:
        if mode == 'run':
            run(cfg)
        elif mode == 'probe':
            probe(cfg)
        else:
            send({'t': 'error', 'phase': 'startup', 'type': 'UsageError', 'traceback': '',
                  'message': 'usage: latency_harness.py run|probe <json>'})
            return 2
    except Abort:
        return 1
    except BaseException as exc:
        send(error_message('internal', exc, None))
        return 1
    return 0


if __name__ == '__main__':
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    # Not a normal exit: the user's non-daemon threads or atexit hooks must not keep a finished
    # benchmark alive, and the profiler has every figure already.
    os._exit(code)
