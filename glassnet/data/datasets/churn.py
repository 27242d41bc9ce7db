"""Telco customer churn (IBM sample data): 7,043 customers, 1,869 of whom left.

The cached file ``<data root>/churn/telco_churn.csv`` has the layout of
``wa_churn`` in the R ``modeldata`` package: snake_case columns, target
``churn`` (Yes/No) first, ``customerID`` dropped, Yes/No and gender columns
as 0.0/1.0 flags, and a blank ``total_charges`` for the 11 customers with
zero tenure. Downloads come from IBM's original CSV and are converted to
that layout; the SHA-256 is checked on the converted file.
"""

import csv
import io
from typing import NamedTuple

import numpy as np

from ._download import Resource, data_root, fetch, register

FILE = "telco_churn.csv"
_IBM_URL = "https://raw.githubusercontent.com/IBM/telco-customer-churn-on-icp4d/master/data/Telco-Customer-Churn.csv"

FLAGS = ["female", "senior_citizen", "partner", "dependents", "phone_service", "paperless_billing"]
NUMERIC = ["tenure", "monthly_charges", "total_charges"]
CATEGORICAL = ["multiple_lines", "internet_service", "online_security", "online_backup",
               "device_protection", "tech_support", "streaming_tv", "streaming_movies",
               "contract", "payment_method"]
COLUMNS = ["churn", "female", "senior_citizen", "partner", "dependents", "tenure", "phone_service",
           "multiple_lines", "internet_service", "online_security", "online_backup", "device_protection",
           "tech_support", "streaming_tv", "streaming_movies", "contract", "paperless_billing",
           "payment_method", "monthly_charges", "total_charges"]
# cached column -> IBM column, for the columns copied as text
_IBM_TEXT = {"multiple_lines": "MultipleLines", "internet_service": "InternetService",
             "online_security": "OnlineSecurity", "online_backup": "OnlineBackup",
             "device_protection": "DeviceProtection", "tech_support": "TechSupport",
             "streaming_tv": "StreamingTV", "streaming_movies": "StreamingMovies",
             "contract": "Contract", "payment_method": "PaymentMethod", "churn": "Churn"}
_IBM_YES_NO = {"partner": "Partner", "dependents": "Dependents", "phone_service": "PhoneService",
               "paperless_billing": "PaperlessBilling"}


def _number(text):
    """Floats written the way the cached file writes them (Python's repr), blanks kept blank."""
    text = text.strip()
    return repr(float(text)) if text else ""


def from_ibm_csv(raw):
    """Convert IBM's ``Telco-Customer-Churn.csv`` bytes to the cached ``wa_churn`` layout."""
    text = raw.decode("utf-8-sig")
    if text.startswith("churn,"):
        return raw  # already in the cached layout
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in csv.DictReader(io.StringIO(text)):
        record = {name: row[ibm] for name, ibm in _IBM_TEXT.items()}
        record.update({name: _flag(row[ibm], "Yes", "No", ibm) for name, ibm in _IBM_YES_NO.items()})
        record["female"] = _flag(row["gender"], "Female", "Male", "gender")
        record["senior_citizen"] = str(int(row["SeniorCitizen"]))
        record["tenure"] = str(int(row["tenure"]))
        record["monthly_charges"] = _number(row["MonthlyCharges"])
        record["total_charges"] = _number(row["TotalCharges"])
        writer.writerow([record[name] for name in COLUMNS])
    return out.getvalue().encode("ascii")


def _flag(value, true_value, false_value, column):
    if value not in (true_value, false_value):
        raise ValueError(f"Telco churn CSV: unexpected value {value!r} in column {column}")
    return "1.0" if value == true_value else "0.0"


register("churn", [
    Resource(FILE, (_IBM_URL,), "899c3c65fe0e49f02a728e6087d1b7e44aa454a23f39498e08e972749f74a288",
             convert=from_ibm_csv),
])


def churn_csv(root=None, download=True):
    """The path of the verified, cached CSV (downloaded first if needed), for ``pandas.read_csv``."""
    fetch("churn", FILE, root, download)
    return data_root(root) / "churn" / FILE


def read_churn(root=None, download=True):
    """The raw table: ``{column name: array of strings}`` in file order, nothing converted."""
    text = fetch("churn", FILE, root, download).decode("ascii")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    if header != COLUMNS:
        raise ValueError(f"churn/{FILE}: unexpected columns {header}, expected {COLUMNS}")
    return {name: np.array(column, dtype=str) for name, column in zip(header, zip(*body))}


class ChurnData(NamedTuple):
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    feature_names: list
    info: dict


PREPROCESSING = (
    "target: churn Yes=1, No=0 (int64). "
    "flags (female, senior_citizen, partner, dependents, phone_service, paperless_billing): kept as 0/1. "
    "categoricals: one-hot, one column per level seen in the whole file, named 'column=level'. "
    "blank total_charges (customers in their first month, tenure 0): filled with tenure * monthly_charges, "
    "i.e. 0, and counted in info['blank_total_charges']. "
    "numerics (tenure, monthly_charges, total_charges): standardised with the mean and standard "
    "deviation of the training split only, stored in info['mean'] and info['std']. "
    "features are float32."
)


def preprocess_churn(table, train_index, test_index):
    """Encode ``read_churn()``'s table into a ``ChurnData`` split; see ``PREPROCESSING``.

    Only the rows in ``train_index`` inform the scaling, so the test rows stay unseen.
    """
    y = (table["churn"] == "Yes").astype(np.int64)
    columns, names = [], []
    for name in FLAGS:
        columns.append(table[name].astype(np.float64))
        names.append(name)
    blank = np.char.str_len(np.char.strip(table["total_charges"])) == 0
    numeric = {name: np.where(blank, "0", table[name]).astype(np.float64) for name in NUMERIC}
    numeric["total_charges"][blank] = numeric["tenure"][blank] * numeric["monthly_charges"][blank]
    train_index, test_index = np.asarray(train_index), np.asarray(test_index)
    mean, std = {}, {}
    for name in NUMERIC:
        values = numeric[name]
        mean[name] = float(values[train_index].mean())
        std[name] = float(values[train_index].std()) or 1.0
        columns.append((values - mean[name]) / std[name])
        names.append(name)
    categories = {}
    for name in CATEGORICAL:
        categories[name] = sorted(set(table[name].tolist()))
        for level in categories[name]:
            columns.append((table[name] == level).astype(np.float64))
            names.append(f"{name}={level}")
    x = np.stack(columns, axis=1).astype(np.float32)
    info = {"preprocessing": PREPROCESSING, "blank_total_charges": int(blank.sum()),
            "mean": mean, "std": std, "categories": categories, "rows": len(y)}
    return ChurnData(x[train_index], y[train_index], x[test_index], y[test_index], names, info)


def stratified_split(y, test_split=0.2, seed=0):
    """Train and test row indices with the same share of each class in both."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == label))
        n_test = int(round(len(rows) * test_split))
        test.append(rows[:n_test])
        train.append(rows[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def load_churn(test_split=0.2, seed=0, root=None, download=True):
    """Telco churn ready for a classifier: a ``ChurnData`` named tuple.

    ``x_train, y_train, x_test, y_test, feature_names, info = load_churn()``.
    The split is stratified on churn (``test_split`` of each class goes to
    test, drawn with ``seed``). Preprocessing, also in ``info['preprocessing']``:
    target churn Yes=1/No=0; 0/1 flags kept; categoricals one-hot encoded;
    the 11 blank ``total_charges`` (tenure 0) set to tenure * monthly_charges = 0
    and counted in ``info['blank_total_charges']``; tenure, monthly_charges and
    total_charges standardised with training-split statistics only.
    For another split, call ``preprocess_churn(read_churn(), train_index, test_index)``.
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"load_churn: test_split must be in [0, 1), got {test_split}")
    table = read_churn(root, download)
    y = (table["churn"] == "Yes").astype(np.int64)
    train_index, test_index = stratified_split(y, test_split, seed)
    return preprocess_churn(table, train_index, test_index)
