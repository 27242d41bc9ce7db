"""Lesson: customer churn from a pandas DataFrame, as the TensorFlow/Keras video courses teach it.

The courses read IBM's Telco churn CSV with pandas, turn Yes/No into 1/0,
one-hot encode the internet service, contract and payment method with
``pd.get_dummies``, scale tenure and charges to [0, 1] with scikit-learn's
``MinMaxScaler``, split 80/20 with ``train_test_split(random_state=5)``, and
train ``Dense(26) - Dense(15) - Dense(1, sigmoid)`` with Adam on the binary
cross-entropy for 100 epochs, passing the DataFrames to ``fit`` as they are.
They report about 78 % test accuracy and, because only 26.5 % of the
customers leave, precision, recall and F1 per class from
``classification_report``.

The code below is the courses' with ``from tensorflow import keras``
replaced by ``from glassnet import keras``, and two more changes, neither
about glassnet: the CSV is glassnet's cached copy (``churn_csv()``; its
columns are snake_case, customerID is dropped and the Yes/No flags are
already 0/1: see glassnet/data/datasets/churn.py), and columns are
assigned instead of replaced ``inplace`` on a slice, which pandas 3 no
longer allows.

Needs pandas and scikit-learn (``pip install pandas scikit-learn``).
Run:  python lessons/keras_courses/churn_pandas.py [--epochs 100]
"""

import argparse


def run(epochs=100, seed=0, verbose=0):
    import numpy as np
    import pandas as pd
    from sklearn.metrics import classification_report, confusion_matrix
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import MinMaxScaler

    from glassnet import keras
    from glassnet.data.datasets import churn_csv

    keras.utils.set_random_seed(seed)
    df = pd.read_csv(churn_csv())
    df1 = df[df.total_charges.notna()].copy()  # the 11 new customers have no total yet
    df1 = df1.replace('No internet service', 'No').replace('No phone service', 'No')
    yes_no_columns = ['multiple_lines', 'online_security', 'online_backup', 'device_protection',
                      'tech_support', 'streaming_tv', 'streaming_movies', 'churn']
    for col in yes_no_columns:
        df1[col] = df1[col].map({'Yes': 1, 'No': 0})
    df2 = pd.get_dummies(data=df1, columns=['internet_service', 'contract', 'payment_method'])

    cols_to_scale = ['tenure', 'monthly_charges', 'total_charges']
    scaler = MinMaxScaler()
    df2[cols_to_scale] = scaler.fit_transform(df2[cols_to_scale])

    X = df2.drop('churn', axis='columns')
    y = df2['churn']
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=5)

    model = keras.Sequential([
        keras.layers.Dense(26, input_shape=(26,), activation='relu'),
        keras.layers.Dense(15, activation='relu'),
        keras.layers.Dense(1, activation='sigmoid')
    ])
    model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
    model.fit(X_train, y_train, epochs=epochs, verbose=verbose)
    test_loss, test_accuracy = model.evaluate(X_test, y_test, verbose=0)

    yp = model.predict(X_test)
    y_pred = [1 if e > 0.5 else 0 for e in yp]
    print(f"test accuracy: {test_accuracy:.4f} (always 'stays': {1 - y_test.mean():.4f})")
    print(classification_report(y_test, y_pred))
    print("confusion matrix (rows: truth, columns: prediction):")
    print(confusion_matrix(y_test, y_pred))
    report = classification_report(y_test, y_pred, output_dict=True)
    return {"test_accuracy": float(test_accuracy), "features": X.shape[1],
            "churn_precision": report['1']['precision'], "churn_recall": report['1']['recall'],
            "churn_f1": report['1']['f1-score'], "baseline_accuracy": float(1 - np.mean(y_test))}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Customer churn from pandas, on glassnet.keras")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return run(args.epochs, args.seed, verbose=2)


if __name__ == "__main__":
    main()
