"""Bilingual vocabulary the mock "detect" server draws its invented answers from.

The vendor labels everything twice: an English name in Title case (``"Beauty Salon"``) and the
Russian name its own product shows (``"Салон красоты"``), plus optional paired category lists
(``eng_categories`` / ``rus_categories``).  When an image has no fixture, the rules engine picks
classes from the tuples below deterministically (derived from the image), so the order and contents
of every tuple are part of the server's observable behaviour: append new entries at the end rather
than sorting or inserting, or answers that used to be stable will change.

Nothing here is logic; the module only holds frozen records:

* ``OBJECTS`` -- classes for the "object2" mode (all of them) and the older "object" mode
  (those with ``in_v1``); ``aspect`` and ``size`` let the engine draw believable boxes, and ``group``
  lets it keep the answers for one image consistent across modes.
* ``SCENES`` -- whole-image labels for the "scene" mode.
* ``PLATE_LATIN`` / ``PLATE_CYRILLIC`` / ``REGION_CODES`` -- material for Russian licence plates.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Category:
    eng: str
    rus: str


@dataclass(frozen=True, slots=True)
class ObjectClass:
    eng: str
    rus: str
    categories: tuple[Category, ...]
    group: str
    aspect: float
    size: tuple[float, float]
    in_v1: bool


@dataclass(frozen=True, slots=True)
class SceneClass:
    eng: str
    rus: str
    categories: tuple[Category, ...]
    outdoor: bool


# Categories are shared constants so that the same category is spelled identically in every class.
ANIMALS = Category("Animals", "Животные")
PETS = Category("Pets", "Домашние животные")
TRANSPORT = Category("Transport", "Транспорт")
CITY = Category("City", "Город")
PEOPLE = Category("People", "Люди")
FOOD = Category("Food", "Еда")
FRUITS = Category("Fruits and Vegetables", "Фрукты и овощи")
KITCHENWARE = Category("Kitchenware", "Посуда")
APPLIANCES = Category("Home Appliances", "Бытовая техника")
ELECTRONICS = Category("Electronics", "Электроника")
FURNITURE = Category("Furniture", "Мебель")
INTERIOR = Category("Interior", "Интерьер")
CLOTHING = Category("Clothing", "Одежда")
ACCESSORIES = Category("Accessories", "Аксессуары")
PLANTS = Category("Plants", "Растения")
NATURE = Category("Nature", "Природа")
SPORT = Category("Sport", "Спорт")
ARCHITECTURE = Category("Architecture", "Архитектура")
CONCERTS = Category("Concerts", "Концерты")
MUSIC = Category("Music", "Музыка")
BEAUTY = Category("Beauty", "Красота")
EDUCATION = Category("Education", "Образование")
TRAVEL = Category("Travel", "Путешествия")
SHOPPING = Category("Shopping", "Покупки")
ART = Category("Art", "Искусство")

CATEGORIES: tuple[Category, ...] = (
    ANIMALS, PETS, TRANSPORT, CITY, PEOPLE, FOOD, FRUITS, KITCHENWARE, APPLIANCES, ELECTRONICS,
    FURNITURE, INTERIOR, CLOTHING, ACCESSORIES, PLANTS, NATURE, SPORT, ARCHITECTURE, CONCERTS, MUSIC,
    BEAUTY, EDUCATION, TRAVEL, SHOPPING, ART,
)

# Groups are coarser than categories and never shown to clients: the engine uses them to keep one
# image's answers coherent across modes (e.g. a "face" box only inside a "person" box).
GROUPS: tuple[str, ...] = (
    "person", "face", "vehicle", "animal", "food", "furniture", "electronics", "clothing", "plant",
    "kitchen", "sport", "building", "other",
)

# aspect = width / height of a typical box; size = (min, max) of the box's longer side relative to
# the image's shorter side -- a bus can fill the frame, a spoon never does.
OBJECTS: tuple[ObjectClass, ...] = (
    # people
    ObjectClass("Person", "Человек", (PEOPLE,), "person", 0.4, (0.15, 1.0), True),
    ObjectClass("Face", "Лицо", (PEOPLE,), "face", 0.8, (0.05, 0.6), True),
    ObjectClass("Hand", "Рука", (PEOPLE,), "person", 0.8, (0.05, 0.3), False),
    # vehicles
    ObjectClass("Car", "Автомобиль", (TRANSPORT,), "vehicle", 1.8, (0.1, 0.9), True),
    ObjectClass("Bus", "Автобус", (TRANSPORT, CITY), "vehicle", 2.2, (0.25, 1.0), True),
    ObjectClass("Truck", "Грузовик", (TRANSPORT,), "vehicle", 2.0, (0.25, 1.0), True),
    ObjectClass("Motorcycle", "Мотоцикл", (TRANSPORT,), "vehicle", 1.5, (0.1, 0.7), True),
    ObjectClass("Bicycle", "Велосипед", (TRANSPORT, SPORT), "vehicle", 1.6, (0.1, 0.7), True),
    ObjectClass("Train", "Поезд", (TRANSPORT, TRAVEL), "vehicle", 3.0, (0.3, 1.0), True),
    ObjectClass("Airplane", "Самолёт", (TRANSPORT, TRAVEL), "vehicle", 2.5, (0.1, 1.0), True),
    ObjectClass("Boat", "Лодка", (TRANSPORT,), "vehicle", 2.2, (0.1, 0.8), True),
    ObjectClass("Tram", "Трамвай", (TRANSPORT, CITY), "vehicle", 2.8, (0.3, 1.0), False),
    ObjectClass("Trolleybus", "Троллейбус", (TRANSPORT, CITY), "vehicle", 2.6, (0.3, 1.0), False),
    ObjectClass("Helicopter", "Вертолёт", (TRANSPORT,), "vehicle", 2.0, (0.1, 0.8), False),
    ObjectClass("Ship", "Корабль", (TRANSPORT, TRAVEL), "vehicle", 3.0, (0.2, 1.0), False),
    ObjectClass("Van", "Фургон", (TRANSPORT,), "vehicle", 1.9, (0.15, 0.9), False),
    ObjectClass("Minibus", "Микроавтобус", (TRANSPORT,), "vehicle", 1.9, (0.15, 0.9), False),
    ObjectClass("Tractor", "Трактор", (TRANSPORT,), "vehicle", 1.5, (0.15, 0.9), False),
    ObjectClass("Scooter", "Самокат", (TRANSPORT, CITY), "vehicle", 0.9, (0.1, 0.6), False),
    # animals
    ObjectClass("Dog", "Собака", (ANIMALS, PETS), "animal", 1.2, (0.1, 0.9), True),
    ObjectClass("Cat", "Кошка", (ANIMALS, PETS), "animal", 1.1, (0.1, 0.9), True),
    ObjectClass("Bird", "Птица", (ANIMALS,), "animal", 1.0, (0.05, 0.6), True),
    ObjectClass("Horse", "Лошадь", (ANIMALS,), "animal", 1.3, (0.2, 1.0), True),
    ObjectClass("Cow", "Корова", (ANIMALS,), "animal", 1.5, (0.2, 1.0), True),
    ObjectClass("Sheep", "Овца", (ANIMALS,), "animal", 1.3, (0.15, 0.9), True),
    ObjectClass("Bear", "Медведь", (ANIMALS,), "animal", 1.3, (0.2, 1.0), True),
    ObjectClass("Elephant", "Слон", (ANIMALS,), "animal", 1.4, (0.3, 1.0), True),
    ObjectClass("Giraffe", "Жираф", (ANIMALS,), "animal", 0.6, (0.3, 1.0), True),
    ObjectClass("Zebra", "Зебра", (ANIMALS,), "animal", 1.4, (0.2, 1.0), True),
    ObjectClass("Fish", "Рыба", (ANIMALS,), "animal", 2.0, (0.05, 0.6), False),
    ObjectClass("Pigeon", "Голубь", (ANIMALS, CITY), "animal", 1.1, (0.05, 0.4), False),
    ObjectClass("Duck", "Утка", (ANIMALS,), "animal", 1.3, (0.05, 0.5), False),
    ObjectClass("Parrot", "Попугай", (ANIMALS, PETS), "animal", 0.7, (0.05, 0.5), False),
    ObjectClass("Squirrel", "Белка", (ANIMALS,), "animal", 1.0, (0.05, 0.5), False),
    ObjectClass("Fox", "Лиса", (ANIMALS,), "animal", 1.5, (0.1, 0.8), False),
    ObjectClass("Wolf", "Волк", (ANIMALS,), "animal", 1.5, (0.15, 0.9), False),
    ObjectClass("Deer", "Олень", (ANIMALS,), "animal", 1.2, (0.15, 1.0), False),
    ObjectClass("Rabbit", "Кролик", (ANIMALS, PETS), "animal", 1.2, (0.05, 0.6), False),
    ObjectClass("Hamster", "Хомяк", (ANIMALS, PETS), "animal", 1.3, (0.05, 0.5), False),
    ObjectClass("Goat", "Коза", (ANIMALS,), "animal", 1.3, (0.15, 0.9), False),
    ObjectClass("Pig", "Свинья", (ANIMALS,), "animal", 1.6, (0.15, 0.9), False),
    ObjectClass("Monkey", "Обезьяна", (ANIMALS,), "animal", 0.8, (0.1, 0.8), False),
    ObjectClass("Butterfly", "Бабочка", (ANIMALS, NATURE), "animal", 1.4, (0.03, 0.4), False),
    # food
    ObjectClass("Apple", "Яблоко", (FOOD, FRUITS), "food", 1.0, (0.05, 0.5), True),
    ObjectClass("Banana", "Банан", (FOOD, FRUITS), "food", 2.0, (0.05, 0.6), True),
    ObjectClass("Orange", "Апельсин", (FOOD, FRUITS), "food", 1.0, (0.05, 0.5), True),
    ObjectClass("Carrot", "Морковь", (FOOD, FRUITS), "food", 3.0, (0.05, 0.6), True),
    ObjectClass("Broccoli", "Брокколи", (FOOD, FRUITS), "food", 1.0, (0.05, 0.5), True),
    ObjectClass("Sandwich", "Бутерброд", (FOOD,), "food", 1.4, (0.1, 0.7), True),
    ObjectClass("Hot Dog", "Хот-дог", (FOOD,), "food", 2.2, (0.1, 0.7), True),
    ObjectClass("Pizza", "Пицца", (FOOD,), "food", 1.2, (0.15, 0.9), True),
    ObjectClass("Donut", "Пончик", (FOOD,), "food", 1.1, (0.05, 0.5), True),
    ObjectClass("Cake", "Торт", (FOOD,), "food", 1.3, (0.1, 0.8), True),
    ObjectClass("Bread", "Хлеб", (FOOD,), "food", 1.6, (0.1, 0.7), False),
    ObjectClass("Cheese", "Сыр", (FOOD,), "food", 1.4, (0.05, 0.6), False),
    ObjectClass("Salad", "Салат", (FOOD,), "food", 1.3, (0.1, 0.7), False),
    ObjectClass("Burger", "Бургер", (FOOD,), "food", 1.2, (0.1, 0.7), False),
    ObjectClass("Sushi", "Суши", (FOOD,), "food", 1.5, (0.05, 0.6), False),
    ObjectClass("Pancakes", "Блины", (FOOD,), "food", 1.3, (0.1, 0.7), False),
    ObjectClass("Soup", "Суп", (FOOD,), "food", 1.3, (0.1, 0.7), False),
    ObjectClass("Ice Cream", "Мороженое", (FOOD,), "food", 0.6, (0.05, 0.6), False),
    ObjectClass("Watermelon", "Арбуз", (FOOD, FRUITS), "food", 1.3, (0.1, 0.7), False),
    ObjectClass("Grapes", "Виноград", (FOOD, FRUITS), "food", 0.8, (0.05, 0.5), False),
    ObjectClass("Strawberry", "Клубника", (FOOD, FRUITS), "food", 0.9, (0.03, 0.4), False),
    ObjectClass("Coffee", "Кофе", (FOOD,), "food", 1.0, (0.05, 0.5), False),
    # furniture and fittings
    ObjectClass("Chair", "Стул", (FURNITURE, INTERIOR), "furniture", 0.7, (0.15, 0.9), True),
    ObjectClass("Couch", "Диван", (FURNITURE, INTERIOR), "furniture", 2.2, (0.3, 1.0), True),
    ObjectClass("Bed", "Кровать", (FURNITURE, INTERIOR), "furniture", 1.6, (0.4, 1.0), True),
    ObjectClass("Dining Table", "Обеденный стол", (FURNITURE, INTERIOR), "furniture", 1.6, (0.3, 1.0), True),
    ObjectClass("Bench", "Скамейка", (FURNITURE, CITY), "furniture", 2.5, (0.2, 0.9), True),
    ObjectClass("Toilet", "Унитаз", (INTERIOR,), "furniture", 0.7, (0.15, 0.8), True),
    ObjectClass("Mirror", "Зеркало", (INTERIOR,), "furniture", 0.7, (0.1, 0.9), True),
    ObjectClass("Lamp", "Лампа", (INTERIOR,), "furniture", 0.6, (0.05, 0.6), True),
    ObjectClass("Desk", "Письменный стол", (FURNITURE, INTERIOR), "furniture", 1.7, (0.3, 1.0), False),
    ObjectClass("Armchair", "Кресло", (FURNITURE, INTERIOR), "furniture", 1.0, (0.2, 0.9), False),
    ObjectClass("Wardrobe", "Шкаф", (FURNITURE, INTERIOR), "furniture", 0.6, (0.4, 1.0), False),
    ObjectClass("Shelf", "Полка", (FURNITURE, INTERIOR), "furniture", 2.5, (0.15, 0.9), False),
    # electronics and appliances
    ObjectClass("TV", "Телевизор", (ELECTRONICS, APPLIANCES), "electronics", 1.7, (0.15, 0.9), True),
    ObjectClass("Laptop", "Ноутбук", (ELECTRONICS,), "electronics", 1.4, (0.1, 0.8), True),
    ObjectClass("Computer Mouse", "Компьютерная мышь", (ELECTRONICS,), "electronics", 0.6, (0.03, 0.3), True),
    ObjectClass("Keyboard", "Клавиатура", (ELECTRONICS,), "electronics", 3.0, (0.1, 0.8), True),
    ObjectClass("Remote Control", "Пульт", (ELECTRONICS,), "electronics", 0.3, (0.03, 0.4), True),
    ObjectClass("Mobile Phone", "Мобильный телефон", (ELECTRONICS,), "electronics", 0.5, (0.03, 0.5), True),
    ObjectClass("Hair Dryer", "Фен", (APPLIANCES, BEAUTY), "electronics", 1.0, (0.05, 0.5), True),
    ObjectClass("Clock", "Часы", (INTERIOR,), "other", 1.0, (0.05, 0.5), True),
    ObjectClass("Camera", "Фотоаппарат", (ELECTRONICS,), "electronics", 1.4, (0.05, 0.5), False),
    ObjectClass("Monitor", "Монитор", (ELECTRONICS,), "electronics", 1.6, (0.15, 0.8), False),
    ObjectClass("Headphones", "Наушники", (ELECTRONICS, MUSIC), "electronics", 1.0, (0.05, 0.5), False),
    ObjectClass("Tablet", "Планшет", (ELECTRONICS,), "electronics", 0.75, (0.05, 0.6), False),
    ObjectClass("Printer", "Принтер", (ELECTRONICS,), "electronics", 1.4, (0.1, 0.7), False),
    ObjectClass("Speaker", "Колонка", (ELECTRONICS, MUSIC), "electronics", 0.6, (0.05, 0.6), False),
    ObjectClass("Washing Machine", "Стиральная машина", (APPLIANCES,), "electronics", 0.9, (0.2, 0.9), False),
    # clothing and accessories
    ObjectClass("Backpack", "Рюкзак", (ACCESSORIES,), "clothing", 0.7, (0.05, 0.6), True),
    ObjectClass("Handbag", "Сумка", (ACCESSORIES,), "clothing", 1.1, (0.05, 0.5), True),
    ObjectClass("Tie", "Галстук", (CLOTHING, ACCESSORIES), "clothing", 0.25, (0.05, 0.4), True),
    ObjectClass("Umbrella", "Зонт", (ACCESSORIES,), "clothing", 1.5, (0.1, 0.8), True),
    ObjectClass("Glasses", "Очки", (ACCESSORIES,), "clothing", 2.5, (0.03, 0.3), True),
    ObjectClass("Hat", "Шляпа", (CLOTHING, ACCESSORIES), "clothing", 1.3, (0.03, 0.4), True),
    ObjectClass("Cap", "Кепка", (CLOTHING,), "clothing", 1.3, (0.03, 0.3), False),
    ObjectClass("Dress", "Платье", (CLOTHING,), "clothing", 0.5, (0.15, 0.9), False),
    ObjectClass("Jacket", "Куртка", (CLOTHING,), "clothing", 0.9, (0.1, 0.8), False),
    ObjectClass("Coat", "Пальто", (CLOTHING,), "clothing", 0.6, (0.15, 0.9), False),
    ObjectClass("Shirt", "Рубашка", (CLOTHING,), "clothing", 0.9, (0.1, 0.8), False),
    ObjectClass("T-Shirt", "Футболка", (CLOTHING,), "clothing", 0.9, (0.1, 0.8), False),
    ObjectClass("Jeans", "Джинсы", (CLOTHING,), "clothing", 0.5, (0.1, 0.8), False),
    ObjectClass("Sneakers", "Кроссовки", (CLOTHING,), "clothing", 2.0, (0.03, 0.4), False),
    ObjectClass("Scarf", "Шарф", (CLOTHING, ACCESSORIES), "clothing", 0.6, (0.05, 0.5), False),
    ObjectClass("Gloves", "Перчатки", (CLOTHING,), "clothing", 0.8, (0.03, 0.3), False),
    ObjectClass("Wristwatch", "Наручные часы", (ACCESSORIES,), "clothing", 0.8, (0.02, 0.2), False),
    ObjectClass("Suitcase", "Чемодан", (ACCESSORIES, TRAVEL), "clothing", 0.7, (0.1, 0.7), True),
    # plants
    ObjectClass("Potted Plant", "Комнатное растение", (PLANTS, INTERIOR), "plant", 0.8, (0.1, 0.7), True),
    ObjectClass("Tree", "Дерево", (PLANTS, NATURE), "plant", 0.7, (0.2, 1.0), True),
    ObjectClass("Flower", "Цветок", (PLANTS, NATURE), "plant", 1.0, (0.03, 0.5), True),
    ObjectClass("Vase", "Ваза", (INTERIOR,), "other", 0.6, (0.05, 0.6), True),
    ObjectClass("Rose", "Роза", (PLANTS,), "plant", 0.8, (0.03, 0.5), False),
    ObjectClass("Sunflower", "Подсолнух", (PLANTS, NATURE), "plant", 0.8, (0.05, 0.6), False),
    ObjectClass("Cactus", "Кактус", (PLANTS,), "plant", 0.6, (0.05, 0.6), False),
    ObjectClass("Palm Tree", "Пальма", (PLANTS, TRAVEL), "plant", 0.6, (0.2, 1.0), False),
    ObjectClass("Mushroom", "Гриб", (NATURE,), "plant", 0.9, (0.03, 0.4), False),
    # kitchenware and kitchen appliances
    ObjectClass("Bottle", "Бутылка", (KITCHENWARE,), "kitchen", 0.35, (0.05, 0.6), True),
    ObjectClass("Wine Glass", "Бокал", (KITCHENWARE,), "kitchen", 0.45, (0.05, 0.5), True),
    ObjectClass("Cup", "Чашка", (KITCHENWARE,), "kitchen", 1.0, (0.03, 0.4), True),
    ObjectClass("Fork", "Вилка", (KITCHENWARE,), "kitchen", 0.2, (0.05, 0.4), True),
    ObjectClass("Knife", "Нож", (KITCHENWARE,), "kitchen", 0.15, (0.05, 0.5), True),
    ObjectClass("Spoon", "Ложка", (KITCHENWARE,), "kitchen", 0.2, (0.05, 0.4), True),
    ObjectClass("Bowl", "Миска", (KITCHENWARE,), "kitchen", 1.6, (0.05, 0.5), True),
    ObjectClass("Microwave", "Микроволновая печь", (APPLIANCES,), "kitchen", 1.6, (0.15, 0.8), True),
    ObjectClass("Oven", "Духовка", (APPLIANCES,), "kitchen", 1.1, (0.2, 0.9), True),
    ObjectClass("Toaster", "Тостер", (APPLIANCES,), "kitchen", 1.3, (0.05, 0.5), True),
    ObjectClass("Sink", "Раковина", (INTERIOR,), "kitchen", 1.5, (0.1, 0.8), True),
    ObjectClass("Refrigerator", "Холодильник", (APPLIANCES,), "kitchen", 0.5, (0.3, 1.0), True),
    ObjectClass("Mug", "Кружка", (KITCHENWARE,), "kitchen", 1.1, (0.03, 0.4), False),
    ObjectClass("Kettle", "Чайник", (KITCHENWARE, APPLIANCES), "kitchen", 1.0, (0.05, 0.5), False),
    ObjectClass("Frying Pan", "Сковорода", (KITCHENWARE,), "kitchen", 1.8, (0.1, 0.6), False),
    ObjectClass("Saucepan", "Кастрюля", (KITCHENWARE,), "kitchen", 1.3, (0.1, 0.6), False),
    ObjectClass("Cutting Board", "Разделочная доска", (KITCHENWARE,), "kitchen", 1.5, (0.1, 0.7), False),
    # sports gear
    ObjectClass("Ball", "Мяч", (SPORT,), "sport", 1.0, (0.02, 0.4), True),
    ObjectClass("Frisbee", "Фрисби", (SPORT,), "sport", 1.3, (0.02, 0.3), True),
    ObjectClass("Skis", "Лыжи", (SPORT,), "sport", 0.2, (0.1, 0.9), True),
    ObjectClass("Snowboard", "Сноуборд", (SPORT,), "sport", 0.3, (0.1, 0.8), True),
    ObjectClass("Kite", "Воздушный змей", (SPORT,), "sport", 1.0, (0.03, 0.5), True),
    ObjectClass("Baseball Bat", "Бейсбольная бита", (SPORT,), "sport", 0.15, (0.05, 0.5), True),
    ObjectClass("Baseball Glove", "Бейсбольная перчатка", (SPORT,), "sport", 1.0, (0.02, 0.3), True),
    ObjectClass("Skateboard", "Скейтборд", (SPORT,), "sport", 2.5, (0.05, 0.6), True),
    ObjectClass("Surfboard", "Доска для серфинга", (SPORT,), "sport", 0.3, (0.1, 0.9), True),
    ObjectClass("Tennis Racket", "Теннисная ракетка", (SPORT,), "sport", 0.6, (0.05, 0.5), True),
    ObjectClass("Soccer Ball", "Футбольный мяч", (SPORT,), "sport", 1.0, (0.02, 0.4), False),
    ObjectClass("Dumbbell", "Гантель", (SPORT,), "sport", 2.0, (0.05, 0.4), False),
    ObjectClass("Hockey Stick", "Хоккейная клюшка", (SPORT,), "sport", 0.3, (0.1, 0.7), False),
    ObjectClass("Ice Skates", "Коньки", (SPORT,), "sport", 1.2, (0.05, 0.4), False),
    # buildings and structures
    ObjectClass("House", "Дом", (ARCHITECTURE,), "building", 1.4, (0.3, 1.0), True),
    ObjectClass("Building", "Здание", (ARCHITECTURE, CITY), "building", 1.0, (0.3, 1.0), True),
    ObjectClass("Bridge", "Мост", (ARCHITECTURE, CITY), "building", 3.5, (0.4, 1.0), True),
    ObjectClass("Church", "Церковь", (ARCHITECTURE,), "building", 0.8, (0.3, 1.0), False),
    ObjectClass("Skyscraper", "Небоскрёб", (ARCHITECTURE, CITY), "building", 0.35, (0.4, 1.0), False),
    ObjectClass("Tower", "Башня", (ARCHITECTURE,), "building", 0.3, (0.3, 1.0), False),
    ObjectClass("Castle", "Замок", (ARCHITECTURE, TRAVEL), "building", 1.5, (0.3, 1.0), False),
    ObjectClass("Monument", "Памятник", (ARCHITECTURE, CITY), "building", 0.6, (0.2, 1.0), False),
    ObjectClass("Fountain", "Фонтан", (ARCHITECTURE, CITY), "building", 1.3, (0.2, 1.0), False),
    # everyday things
    ObjectClass("Traffic Light", "Светофор", (CITY, TRANSPORT), "other", 0.4, (0.05, 0.5), True),
    ObjectClass("Road Sign", "Дорожный знак", (CITY, TRANSPORT), "other", 0.9, (0.03, 0.4), True),
    ObjectClass("Fire Hydrant", "Пожарный гидрант", (CITY,), "other", 0.6, (0.05, 0.5), True),
    ObjectClass("Parking Meter", "Паркомат", (CITY, TRANSPORT), "other", 0.4, (0.1, 0.6), True),
    ObjectClass("Book", "Книга", (EDUCATION,), "other", 0.7, (0.05, 0.6), True),
    ObjectClass("Scissors", "Ножницы", (), "other", 0.6, (0.03, 0.4), True),
    ObjectClass("Teddy Bear", "Плюшевый мишка", (), "other", 0.8, (0.05, 0.7), True),
    ObjectClass("Toothbrush", "Зубная щётка", (BEAUTY,), "other", 0.15, (0.03, 0.4), True),
    ObjectClass("Guitar", "Гитара", (MUSIC, CONCERTS), "other", 0.4, (0.1, 0.8), True),
    ObjectClass("Microphone", "Микрофон", (MUSIC, CONCERTS), "other", 0.3, (0.03, 0.4), True),
    ObjectClass("Piano", "Пианино", (MUSIC,), "other", 1.3, (0.3, 1.0), False),
    ObjectClass("Violin", "Скрипка", (MUSIC, CONCERTS), "other", 0.4, (0.1, 0.6), False),
    ObjectClass("Drum Kit", "Барабанная установка", (MUSIC, CONCERTS), "other", 1.4, (0.2, 0.9), False),
    ObjectClass("Painting", "Картина", (ART, INTERIOR), "other", 1.3, (0.1, 0.9), False),
    ObjectClass("Pen", "Ручка", (EDUCATION,), "other", 0.1, (0.03, 0.3), False),
    ObjectClass("Key", "Ключ", (), "other", 0.4, (0.02, 0.2), False),
    ObjectClass("Wallet", "Кошелёк", (ACCESSORIES,), "other", 1.4, (0.03, 0.3), False),
    ObjectClass("Candle", "Свеча", (INTERIOR,), "other", 0.3, (0.03, 0.4), False),
    ObjectClass("Balloon", "Воздушный шарик", (), "other", 0.8, (0.05, 0.5), False),
    ObjectClass("Flag", "Флаг", (), "other", 1.5, (0.05, 0.6), False),
    ObjectClass("Trash Can", "Мусорный бак", (CITY,), "other", 0.7, (0.1, 0.7), False),
    ObjectClass("Street Lamp", "Уличный фонарь", (CITY,), "other", 0.2, (0.2, 1.0), False),
    ObjectClass("Stroller", "Детская коляска", (), "other", 0.9, (0.15, 0.8), False),
    ObjectClass("Box", "Коробка", (), "other", 1.3, (0.05, 0.7), False),
    ObjectClass("Doll", "Кукла", (), "other", 0.4, (0.05, 0.6), False),
)

# Whole-image labels; ``outdoor`` lets the engine avoid pairing, say, "Bed" with "Highway".
SCENES: tuple[SceneClass, ...] = (
    SceneClass("Beauty Salon", "Салон красоты", (BEAUTY,), False),
    SceneClass("Stage", "Сцена", (CONCERTS,), False),
    SceneClass("Concert Hall", "Концертный зал", (CONCERTS, MUSIC), False),
    SceneClass("Street", "Улица", (CITY,), True),
    SceneClass("Parking Lot", "Парковка", (CITY, TRANSPORT), True),
    SceneClass("Highway", "Шоссе", (TRANSPORT,), True),
    SceneClass("Beach", "Пляж", (NATURE, TRAVEL), True),
    SceneClass("Mountain", "Горы", (NATURE, TRAVEL), True),
    SceneClass("Forest", "Лес", (NATURE,), True),
    SceneClass("Lake", "Озеро", (NATURE,), True),
    SceneClass("Field", "Поле", (NATURE,), True),
    SceneClass("River", "Река", (NATURE,), True),
    SceneClass("Sea", "Море", (NATURE, TRAVEL), True),
    SceneClass("Waterfall", "Водопад", (NATURE, TRAVEL), True),
    SceneClass("Desert", "Пустыня", (NATURE,), True),
    SceneClass("Swamp", "Болото", (NATURE,), True),
    SceneClass("Sky", "Небо", (NATURE,), True),
    SceneClass("Sunset", "Закат", (NATURE,), True),
    SceneClass("Park", "Парк", (NATURE, CITY), True),
    SceneClass("Garden", "Сад", (PLANTS, NATURE), True),
    SceneClass("Office", "Офис", (INTERIOR,), False),
    SceneClass("Conference Room", "Конференц-зал", (INTERIOR,), False),
    SceneClass("Kitchen", "Кухня", (INTERIOR,), False),
    SceneClass("Bedroom", "Спальня", (INTERIOR,), False),
    SceneClass("Living Room", "Гостиная", (INTERIOR,), False),
    SceneClass("Bathroom", "Ванная", (INTERIOR,), False),
    SceneClass("Corridor", "Коридор", (INTERIOR,), False),
    SceneClass("Restaurant", "Ресторан", (FOOD,), False),
    SceneClass("Cafe", "Кафе", (FOOD,), False),
    SceneClass("Bar", "Бар", (FOOD,), False),
    SceneClass("Supermarket", "Супермаркет", (SHOPPING, FOOD), False),
    SceneClass("Store", "Магазин", (SHOPPING,), False),
    SceneClass("Shopping Mall", "Торговый центр", (SHOPPING,), False),
    SceneClass("Market", "Рынок", (SHOPPING, FOOD), True),
    SceneClass("Pharmacy", "Аптека", (SHOPPING,), False),
    SceneClass("Stadium", "Стадион", (SPORT,), True),
    SceneClass("Gym", "Спортзал", (SPORT,), False),
    SceneClass("Swimming Pool", "Бассейн", (SPORT,), False),
    SceneClass("Tennis Court", "Теннисный корт", (SPORT,), True),
    SceneClass("Ice Rink", "Каток", (SPORT,), True),
    SceneClass("Ski Resort", "Горнолыжный курорт", (SPORT, TRAVEL), True),
    SceneClass("Classroom", "Учебный класс", (EDUCATION,), False),
    SceneClass("Library", "Библиотека", (EDUCATION,), False),
    SceneClass("Museum", "Музей", (ART, TRAVEL), False),
    SceneClass("Theater", "Театр", (ART,), False),
    SceneClass("Movie Theater", "Кинотеатр", (), False),
    SceneClass("Nightclub", "Ночной клуб", (MUSIC,), False),
    SceneClass("Hospital", "Больница", (), False),
    SceneClass("Laboratory", "Лаборатория", (EDUCATION,), False),
    SceneClass("Airport", "Аэропорт", (TRANSPORT, TRAVEL), False),
    SceneClass("Train Station", "Вокзал", (TRANSPORT, TRAVEL), False),
    SceneClass("Subway Station", "Станция метро", (TRANSPORT, CITY), False),
    SceneClass("Bus Stop", "Автобусная остановка", (TRANSPORT, CITY), True),
    SceneClass("Gas Station", "Автозаправка", (TRANSPORT,), True),
    SceneClass("Car Wash", "Автомойка", (TRANSPORT,), True),
    SceneClass("Garage", "Гараж", (TRANSPORT,), False),
    SceneClass("Port", "Порт", (TRANSPORT,), True),
    SceneClass("Town Square", "Площадь", (CITY, ARCHITECTURE), True),
    SceneClass("Embankment", "Набережная", (CITY,), True),
    SceneClass("Courtyard", "Двор", (CITY,), True),
    SceneClass("Playground", "Детская площадка", (CITY,), True),
    SceneClass("Cityscape", "Городской пейзаж", (CITY, ARCHITECTURE), True),
    SceneClass("Construction Site", "Строительная площадка", (CITY,), True),
    SceneClass("Village", "Деревня", (NATURE,), True),
    SceneClass("Farm", "Ферма", (ANIMALS,), True),
    SceneClass("Campsite", "Кемпинг", (TRAVEL, NATURE), True),
    SceneClass("Hotel Room", "Гостиничный номер", (TRAVEL, INTERIOR), False),
    SceneClass("Warehouse", "Склад", (), False),
    SceneClass("Factory", "Завод", (), False),
    SceneClass("Temple", "Храм", (ARCHITECTURE,), False),
    SceneClass("Cave", "Пещера", (NATURE,), False),
)

# The "pedestrian" mode has a single class of its own rather than reusing "Person".
PEDESTRIAN: tuple[str, str] = ("Pedestrian", "Пешеход")

# Russian plates use only the 12 Cyrillic letters that have Latin look-alikes, so that plates stay
# readable abroad; answers may need either spelling, so the two alphabets are kept index-aligned.
PLATE_LATIN = "ABEKMHOPCTYX"
PLATE_CYRILLIC = "АВЕКМНОРСТУХ"

# Region codes as printed on plates.  Codes of abolished or merged subjects (80, 81, 84, 85, 88) and
# the Baikonur code (94) are left out so that invented plates look like ordinary, current ones.
REGION_CODES: tuple[str, ...] = (
    *(f"{n:02d}" for n in range(1, 80)),
    "82", "83", "86", "87", "89", "90", "92", "93", "95", "96", "97", "98", "99",
    "102", "113", "116", "121", "122", "123", "124", "125", "126", "134", "136", "138", "142", "147",
    "150", "152", "154", "156", "159", "161", "163", "164", "173", "174", "177", "178", "186", "190",
    "193", "196", "197", "198", "199",
    "702", "716", "750", "761", "763", "774", "777", "790", "797", "799", "977",
)
