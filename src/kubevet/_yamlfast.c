/*
 * kubevet._yamlfast: YAML documents straight from libyaml's events to Python values, with
 * the positions findings need, in one pass.
 *
 * This is the fast path of kubevet.loading.yaml_decode.decode(). It reads what real
 * manifests are made of (maps, lists, plain and quoted scalars) and gives up, returning
 * None, on anything rarer: tags, anchors and aliases, merge keys, map keys that are not
 * strings, scalars whose typing needs more than a table look-up, syntax errors, nesting
 * past 1000 levels. The caller then decodes the same bytes with the pure-Python path,
 * which knows every case and words every error; the two give identical results (a test
 * holds them to that on every corpus file).
 *
 * Scalars are typed as go-yaml v2 types them (see yaml_decode.py): the booleans and nulls
 * of YAML 1.1 come from a table, plain decimal integers are converted here, and any other
 * plain scalar that could be a number is handed to the Python function given by the caller
 * (yaml_decode._plain_number), which applies Go's number syntax.
 *
 * Returned per document: (value, position). A position is (line, column, children), line
 * and column 0-based, where children is a dict {key: position} for a map (the position of
 * the entry is its key's), a list of positions for a list (each item's own start), or None
 * for a scalar. The root position is the root node's start.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <yaml.h>

#define MAX_DEPTH 1000

typedef struct {
    yaml_parser_t parser;
    PyObject *plain_number; /* callable: text -> value; raises when it cannot decide */
    PyObject *duplicates;   /* list of (line, column, key) */
    int depth;
    int give_up;            /* set when the pure-Python path must decode this input */
} Reader;

/* the YAML 1.1 words go-yaml v2 resolves (resolve.go): booleans and nulls */
static const char *const TRUE_WORDS[] = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", NULL};
static const char *const FALSE_WORDS[] = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", NULL};
static const char *const NULL_WORDS[] = {"~", "null", "Null", "NULL", NULL};
/* words that resolve to NaN or an infinity: JSON cannot hold them (Python words the error) */
static const char *const SPECIAL_FLOATS[] = {".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
                                             "-.inf", "-.Inf", "-.INF", NULL};

static int in_words(const char *const *words, const char *text, size_t length) {
    for (; *words; words++) {
        if (strlen(*words) == length && memcmp(*words, text, length) == 0) {
            return 1;
        }
    }
    return 0;
}

/* go-yaml's resolve table: the first characters that can start anything but a string */
static int is_hint(unsigned char c) {
    return strchr("yYnNtTfFoO~0123456789+-.", c) != NULL && c != 0;
}

static int is_numeric_start(unsigned char c) {
    return (c >= '0' && c <= '9') || c == '+' || c == '-';
}

/* every character any integer or float syntax of Go or YAML can use */
static int number_chars_only(const unsigned char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == 'x' || c == 'X' ||
              c == 'o' || c == 'O' || c == '_' || c == '+' || c == '-' || c == '.')) {
            return 0;
        }
    }
    return 1;
}

static PyObject *position(size_t line, size_t column, PyObject *children) {
    /* steals children */
    PyObject *l = PyLong_FromSize_t(line);
    PyObject *c = PyLong_FromSize_t(column);
    PyObject *t = NULL;
    if (l && c) {
        t = PyTuple_Pack(3, l, c, children);
    }
    Py_XDECREF(l);
    Py_XDECREF(c);
    Py_DECREF(children);
    return t;
}

/* The value of a plain or quoted scalar without tag or anchor; NULL with give_up set when
 * the pure-Python path must decide, NULL with an exception on a real error. */
static PyObject *scalar_value(Reader *r, yaml_event_t *ev) {
    const unsigned char *s = ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
        return PyUnicode_DecodeUTF8((const char *)s, (Py_ssize_t)n, "strict");
    }
    if (n == 0) {
        Py_RETURN_NONE;
    }
    if (!is_hint(s[0])) {
        return PyUnicode_DecodeUTF8((const char *)s, (Py_ssize_t)n, "strict");
    }
    const char *text = (const char *)s;
    if (in_words(TRUE_WORDS, text, n)) {
        Py_RETURN_TRUE;
    }
    if (in_words(FALSE_WORDS, text, n)) {
        Py_RETURN_FALSE;
    }
    if (in_words(NULL_WORDS, text, n)) {
        Py_RETURN_NONE;
    }
    if (in_words(SPECIAL_FLOATS, text, n)) {
        r->give_up = 1;
        return NULL;
    }
    if (s[0] != '.' && !is_numeric_start(s[0])) {
        return PyUnicode_DecodeUTF8(text, (Py_ssize_t)n, "strict");
    }
    if (!number_chars_only(s, n)) {
        return PyUnicode_DecodeUTF8(text, (Py_ssize_t)n, "strict");
    }
    /* a plain decimal integer that fits easily in int64: convert it here */
    if (n <= 18 && s[0] != '0') {
        size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
        int digits = i < n && !(s[i] == '0' && n - i > 1);
        for (size_t j = i; digits && j < n; j++) {
            digits = s[j] >= '0' && s[j] <= '9';
        }
        if (digits && i < n) {
            long long v = 0;
            for (size_t j = i; j < n; j++) {
                v = v * 10 + (s[j] - '0');
            }
            return PyLong_FromLongLong(s[0] == '-' ? -v : v);
        }
    }
    if (n == 1 && s[0] == '0') {
        return PyLong_FromLong(0);
    }
    /* anything else that may be a number: Go's syntax, in Python */
    PyObject *str = PyUnicode_DecodeUTF8(text, (Py_ssize_t)n, "strict");
    if (str == NULL) {
        return NULL;
    }
    PyObject *value = PyObject_CallOneArg(r->plain_number, str);
    Py_DECREF(str);
    if (value == NULL) {
        PyErr_Clear();
        r->give_up = 1;
    }
    return value;
}

/* A map key: a string, or NULL with give_up set (merge keys, keys that are not strings). */
static PyObject *key_value(Reader *r, yaml_event_t *ev) {
    if (ev->type != YAML_SCALAR_EVENT || ev->data.scalar.tag || ev->data.scalar.anchor) {
        r->give_up = 1;
        return NULL;
    }
    const unsigned char *s = ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
        if (n == 0 || (n == 2 && s[0] == '<' && s[1] == '<')) {
            r->give_up = 1; /* a null key (refused) or a merge key */
            return NULL;
        }
        if (is_hint(s[0])) {
            const char *text = (const char *)s;
            if (in_words(TRUE_WORDS, text, n) || in_words(FALSE_WORDS, text, n) || in_words(NULL_WORDS, text, n) ||
                in_words(SPECIAL_FLOATS, text, n) || s[0] == '.' ||
                (is_numeric_start(s[0]) && number_chars_only(s, n))) {
                r->give_up = 1; /* a key that does not stay a string as written */
                return NULL;
            }
        }
    }
    PyObject *key = PyUnicode_DecodeUTF8((const char *)s, (Py_ssize_t)n, "strict");
    if (key != NULL) {
        PyUnicode_InternInPlace(&key);
    }
    return key;
}

static int next_event(Reader *r, yaml_event_t *ev) {
    if (!yaml_parser_parse(&r->parser, ev)) {
        r->give_up = 1; /* a syntax error: the Python path reports it with its position */
        return 0;
    }
    return 1;
}

static PyObject *node(Reader *r, yaml_event_t *ev, PyObject **children);

/* The node that starts with ev (consumed here); *children gets its position's children. */
static PyObject *node(Reader *r, yaml_event_t *ev, PyObject **children) {
    PyObject *value = NULL;
    *children = NULL;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        if (ev->data.scalar.tag || ev->data.scalar.anchor) {
            r->give_up = 1;
            break;
        }
        value = scalar_value(r, ev);
        if (value != NULL) {
            Py_INCREF(Py_None);
            *children = Py_None;
        }
        break;
    case YAML_SEQUENCE_START_EVENT: {
        if (ev->data.sequence_start.tag || ev->data.sequence_start.anchor || ++r->depth > MAX_DEPTH) {
            r->give_up = 1;
            break;
        }
        PyObject *list = PyList_New(0), *where = PyList_New(0);
        if (list == NULL || where == NULL) {
            Py_XDECREF(list);
            Py_XDECREF(where);
            break;
        }
        for (;;) {
            yaml_event_t item;
            if (!next_event(r, &item)) {
                goto seq_fail;
            }
            if (item.type == YAML_SEQUENCE_END_EVENT) {
                yaml_event_delete(&item);
                break;
            }
            size_t line = item.start_mark.line, column = item.start_mark.column;
            PyObject *sub;
            PyObject *v = node(r, &item, &sub);
            if (v == NULL) {
                goto seq_fail;
            }
            PyObject *p = position(line, column, sub);
            int bad = p == NULL || PyList_Append(list, v) < 0 || PyList_Append(where, p) < 0;
            Py_DECREF(v);
            Py_XDECREF(p);
            if (bad) {
                goto seq_fail;
            }
        }
        r->depth--;
        value = list;
        *children = where;
        break;
    seq_fail:
        Py_DECREF(list);
        Py_DECREF(where);
        break;
    }
    case YAML_MAPPING_START_EVENT: {
        if (ev->data.mapping_start.tag || ev->data.mapping_start.anchor || ++r->depth > MAX_DEPTH) {
            r->give_up = 1;
            break;
        }
        PyObject *dict = PyDict_New(), *where = PyDict_New();
        if (dict == NULL || where == NULL) {
            Py_XDECREF(dict);
            Py_XDECREF(where);
            break;
        }
        for (;;) {
            yaml_event_t kev;
            if (!next_event(r, &kev)) {
                goto map_fail;
            }
            if (kev.type == YAML_MAPPING_END_EVENT) {
                yaml_event_delete(&kev);
                break;
            }
            size_t line = kev.start_mark.line, column = kev.start_mark.column;
            PyObject *key = key_value(r, &kev);
            yaml_event_delete(&kev);
            if (key == NULL) {
                goto map_fail;
            }
            yaml_event_t vev;
            if (!next_event(r, &vev)) {
                Py_DECREF(key);
                goto map_fail;
            }
            PyObject *sub;
            PyObject *v = node(r, &vev, &sub);
            if (v == NULL) {
                Py_DECREF(key);
                goto map_fail;
            }
            int seen = PyDict_Contains(dict, key);
            if (seen == 1) {
                PyObject *dup = Py_BuildValue("(nnO)", (Py_ssize_t)line, (Py_ssize_t)column, key);
                if (dup == NULL || PyList_Append(r->duplicates, dup) < 0) {
                    seen = -1;
                }
                Py_XDECREF(dup);
            }
            PyObject *p = position(line, column, sub);
            int bad = seen < 0 || p == NULL || PyDict_SetItem(dict, key, v) < 0 || PyDict_SetItem(where, key, p) < 0;
            Py_DECREF(key);
            Py_DECREF(v);
            Py_XDECREF(p);
            if (bad) {
                goto map_fail;
            }
        }
        r->depth--;
        value = dict;
        *children = where;
        break;
    map_fail:
        Py_DECREF(dict);
        Py_DECREF(where);
        break;
    }
    default: /* an alias, or an event out of place */
        r->give_up = 1;
        break;
    }
    yaml_event_delete(ev);
    return value;
}

/* load(data: bytes, plain_number) -> ([(value, position), ...], duplicates) or None */
static PyObject *load(PyObject *self, PyObject *args) {
    Py_buffer buf;
    PyObject *plain_number;
    if (!PyArg_ParseTuple(args, "y*O:load", &buf, &plain_number)) {
        return NULL;
    }
    Reader r;
    memset(&r, 0, sizeof r);
    r.plain_number = plain_number;
    r.duplicates = PyList_New(0);
    PyObject *docs = PyList_New(0);
    if (r.duplicates == NULL || docs == NULL || !yaml_parser_initialize(&r.parser)) {
        Py_XDECREF(r.duplicates);
        Py_XDECREF(docs);
        PyBuffer_Release(&buf);
        return PyErr_NoMemory();
    }
    yaml_parser_set_input_string(&r.parser, buf.buf, (size_t)buf.len);
    yaml_event_t ev;
    int ok = next_event(&r, &ev) && ev.type == YAML_STREAM_START_EVENT;
    if (ok) {
        yaml_event_delete(&ev);
    }
    while (ok) {
        if (!next_event(&r, &ev)) {
            ok = 0;
            break;
        }
        if (ev.type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (ev.type != YAML_DOCUMENT_START_EVENT || ev.data.document_start.tag_directives.start) {
            yaml_event_delete(&ev); /* %TAG directives: tags are the Python path's */
            r.give_up = 1;
            ok = 0;
            break;
        }
        yaml_event_delete(&ev);
        yaml_event_t root;
        if (!next_event(&r, &root)) {
            ok = 0;
            break;
        }
        size_t line = root.start_mark.line, column = root.start_mark.column;
        PyObject *sub;
        PyObject *value = node(&r, &root, &sub);
        if (value == NULL) {
            ok = 0;
            break;
        }
        PyObject *p = position(line, column, sub);
        PyObject *pair = p ? PyTuple_Pack(2, value, p) : NULL;
        Py_DECREF(value);
        Py_XDECREF(p);
        if (pair == NULL || PyList_Append(docs, pair) < 0) {
            Py_XDECREF(pair);
            ok = 0;
            break;
        }
        Py_DECREF(pair);
        if (!next_event(&r, &ev)) { /* DOCUMENT-END */
            ok = 0;
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&r.parser);
    PyBuffer_Release(&buf);
    if (!ok) {
        Py_DECREF(docs);
        Py_DECREF(r.duplicates);
        if (r.give_up || PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
            PyErr_Clear();
            Py_RETURN_NONE;
        }
        if (!PyErr_Occurred()) {
            Py_RETURN_NONE;
        }
        return NULL;
    }
    PyObject *out = PyTuple_Pack(2, docs, r.duplicates);
    Py_DECREF(docs);
    Py_DECREF(r.duplicates);
    return out;
}

static PyMethodDef methods[] = {
    {"load", load, METH_VARARGS,
     "load(data, plain_number) -> ([(value, position), ...], duplicates), or None when the pure-Python path must decode"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "kubevet._yamlfast", "libyaml events straight to Python values and positions", -1, methods,
};

PyMODINIT_FUNC PyInit__yamlfast(void) {
    return PyModule_Create(&module);
}
